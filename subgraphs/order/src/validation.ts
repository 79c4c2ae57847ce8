/**
 * Checkout's input rules. Addresses are checked by common/address.ts, as saved addresses are, so
 * an address that can be saved can be shipped to and vice versa.
 */
export { checkAddress, type AddressFields } from '../../../common/address';

export { isEmailAddress, normaliseEmail } from '../../../common/email';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order ids are UUIDs; anything else names no order (and must not reach a uuid column). */
export const isUuid = (value: string) => UUID.test(value);
