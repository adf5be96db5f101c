// Canned answers for "Write to a person", per customer language. Kept in code (a reviewed change,
// deployed like any text the bot says) rather than in a table with an admin page: a handful of
// texts the contact centre agrees on; the console inserts one into the reply, to be edited.
export interface CannedAnswer {
  title: string;
  text: string;
}

export const CANNED_ANSWERS: Record<"uk" | "en", readonly CannedAnswer[]> = {
  uk: [
    { title: "Вітання", text: "Добрий день! Мене звати {name}, я допоможу. Хвилинку, перевіряю." },
    {
      title: "Аварія, бригада",
      text: "На вашій адресі аварійне відключення, бригада вже працює. Орієнтовний час відновлення повідомимо тут.",
    },
    {
      title: "Графік",
      text: "Відключення за графіком вашої черги. Актуальний графік — у меню бота, кнопка «Графік відключень».",
    },
    {
      title: "Показники",
      text: "Показники можна передати в боті: «📟 Передати показники», з 28-го до 3-го числа.",
    },
    { title: "Завершення", text: "Дякуємо за звернення! Якщо будуть питання — пишіть." },
  ],
  en: [
    { title: "Greeting", text: "Hello! My name is {name}, I will help you. One moment, I am checking." },
    {
      title: "Emergency, crew",
      text: "There is an emergency outage at your address and a crew is already working. We will tell you the expected restoration time here.",
    },
    {
      title: "Schedule",
      text: "This is a scheduled outage for your queue. The current schedule is in the bot's menu, “Outage schedule”.",
    },
    {
      title: "Readings",
      text: "You can submit readings in the bot: “📟 Submit readings”, from the 28th to the 3rd.",
    },
    { title: "Closing", text: "Thank you for writing! If you have more questions, just write." },
  ],
};

/** The canned answers for a customer's language, with the operator's name filled in. */
export function cannedAnswers(language: string, operatorLogin: string): CannedAnswer[] {
  const list = language === "en" ? CANNED_ANSWERS.en : CANNED_ANSWERS.uk;
  return list.map((answer) => ({ ...answer, text: answer.text.replaceAll("{name}", operatorLogin) }));
}
