// `npm run viber:webhook -- set|remove`: points Viber's callbacks at PUBLIC_URL + /webhooks/viber
// (with sender names and photos, and every event type the channel handles), or removes them.
// The service must be running at PUBLIC_URL first: Viber checks the URL while set_webhook runs.
import { ConfigError, loadConfig } from "../src/config.js";
import { removeViberWebhook, setViberWebhook, viberWebhookUrl } from "../src/channels/viber/webhook-admin.js";

const command = process.argv[2];
if (command !== "set" && command !== "remove") {
  console.error("usage: npm run viber:webhook -- set|remove");
  process.exit(2);
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
if (!config.viber.enabled) {
  console.error("VIBER_AUTH_TOKEN is not set.");
  process.exit(1);
}
const admin = { authToken: config.viber.authToken, apiUrl: config.viber.apiUrl };

try {
  if (command === "set") {
    if (config.http.publicUrl === undefined) {
      console.error("PUBLIC_URL is not set: Viber needs the service's public https address.");
      process.exit(1);
    }
    const url = viberWebhookUrl(config.http.publicUrl);
    const result = await setViberWebhook(admin, url);
    if (result.ok) {
      console.log(`Viber webhook set to ${url}; events: ${result.eventTypes.join(", ") || "(as requested)"}`);
    } else {
      console.error(`set_webhook failed: status ${result.status} (${result.message})`);
      process.exitCode = 1;
    }
  } else {
    const result = await removeViberWebhook(admin);
    if (result.ok) console.log("Viber webhook removed.");
    else {
      console.error(`set_webhook failed: status ${result.status} (${result.message})`);
      process.exitCode = 1;
    }
  }
} catch (error) {
  console.error(`Chat API not reachable: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
