// Where the operator API serves things, for the services that link to it in their answers (a
// reading's or service order's photoUrl). The HTTP plugin mounts its routes under this prefix.
export const OPERATOR_API_PREFIX = "/api/v1";

export function readingPhotoPath(readingId: number): string {
  return `${OPERATOR_API_PREFIX}/readings/${readingId}/photo`;
}

export function serviceOrderPhotoPath(orderId: number): string {
  return `${OPERATOR_API_PREFIX}/service-orders/${orderId}/photo`;
}
