/** Input rules checked before anything reaches Cognito or PostgreSQL. */
import { isEmailAddress } from '../../../common/email';
import {
  checkAddress as checkPostalAddress,
  type AddressFields as PostalFields,
} from '../../../common/address';
import { accountError, type AccountUserError, type NewAddress } from './domain';

export { normaliseEmail } from '../../../common/email';

/** INVALID_EMAIL unless the address passes the store's one address check. */
export function emailError(email: string): AccountUserError | null {
  return isEmailAddress(email)
    ? null
    : accountError('INVALID_EMAIL', 'Enter a valid email address.', 'email');
}

/**
 * Cognito's default password policy, checked here as well because the local emulator enforces
 * none: 8 to 256 characters with a lower-case letter, an upper-case letter, a digit and a symbol.
 * Cognito's own InvalidPasswordException maps to the same error when a pool is stricter.
 */
export function passwordError(password: string): AccountUserError | null {
  const ok =
    password.length >= 8 &&
    password.length <= 256 &&
    /[a-z]/.test(password) &&
    /[A-Z]/.test(password) &&
    /[0-9]/.test(password) &&
    /[^A-Za-z0-9]/.test(password) &&
    password.trim() === password;
  return ok
    ? null
    : accountError(
        'INVALID_PASSWORD',
        'Choose a stronger password: at least 8 characters, with upper and lower case letters, a digit and a symbol.',
        'password',
      );
}

export const NAME_MAX = 100;

/** A person's name: trimmed, 1 to 100 characters. */
export function checkName(raw: string, field = 'name'): { name: string } | AccountUserError {
  const name = raw.trim();
  if (name.length === 0) return accountError('INVALID_INPUT', 'Enter a name.', field);
  if (name.length > NAME_MAX)
    return accountError('INVALID_INPUT', `A name has at most ${NAME_MAX} characters.`, field);
  return { name };
}

export interface AddressFields extends PostalFields {
  isDefault?: boolean | null;
}

/** Trims every field (blank optional fields become null) and checks them; the first problem wins. */
export function checkAddress(input: AddressFields): NewAddress | AccountUserError {
  const checked = checkPostalAddress(input);
  if ('message' in checked) return accountError('INVALID_INPUT', checked.message, checked.field);
  return { ...checked, isDefault: input.isDefault === true };
}

/** True when `id` can be an address id (a UUID); anything else is simply not found. */
export const isUuid = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
