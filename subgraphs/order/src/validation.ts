/**
 * Checkout's input rules. Addresses are checked by common/address.ts, as saved addresses are, so
 * an address that can be saved can be shipped to and vice versa.
 */
export { checkAddress, type AddressFields } from '../../../common/address';

/** Trims and lower-cases an email address: the form orders keep. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** local@domain.tld, no spaces or characters that would break a mail header, at most 254. */
export function validEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>",]+@[^\s@<>",.]+(\.[^\s@<>",.]+)+$/.test(email);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order ids are UUIDs; anything else names no order (and must not reach a uuid column). */
export const isUuid = (value: string) => UUID.test(value);
