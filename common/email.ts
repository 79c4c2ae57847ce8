/** Email addresses as every service checks them, and text made safe for HTML email bodies. */

/** Trims and lower-cases an address: the form Cognito, orders and the rate limits keep. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * A pragmatic address check: local@domain.tld, at most 254 characters, no spaces and none of the
 * characters that would break a mail header (`<`, `>`, `"`, `,`).
 */
export function isEmailAddress(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>",]+@[^\s@<>",.]+(\.[^\s@<>",.]+)+$/.test(email);
}

/** Text as it may appear in an HTML email: markup characters escaped. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
