/** Input rules checked before anything reaches Cognito or PostgreSQL. */
import { COUNTRY_CODES } from '../../../common/address';
import { userError, type AccountUserError, type NewAddress } from './domain';

/** Trims and lower-cases: the form Cognito and the rate limit see. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** A pragmatic address check (local@domain.tld, no spaces, at most 254 characters). */
export function emailError(email: string): AccountUserError | null {
  const ok = email.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email);
  return ok ? null : userError('INVALID_EMAIL', 'Enter a valid email address.', 'email');
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
    : userError(
        'INVALID_PASSWORD',
        'Choose a stronger password: at least 8 characters, with upper and lower case letters, a digit and a symbol.',
        'password',
      );
}

export const NAME_MAX = 100;

/** A person's name: trimmed, 1 to 100 characters. */
export function checkName(raw: string, field = 'name'): { name: string } | AccountUserError {
  const name = raw.trim();
  if (name.length === 0) return userError('INVALID_INPUT', 'Enter a name.', field);
  if (name.length > NAME_MAX)
    return userError('INVALID_INPUT', `A name has at most ${NAME_MAX} characters.`, field);
  return { name };
}

export interface AddressFields {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  countryCode: string;
  isDefault?: boolean | null;
}

const label = {
  name: 'name',
  line1: 'first address line',
  line2: 'second address line',
  city: 'city',
  region: 'region',
  postalCode: 'postal code',
};

const limits = { name: 100, line1: 200, line2: 200, city: 100, region: 100, postalCode: 20 };

/** Trims every field (blank optional fields become null) and checks them; the first problem wins. */
export function checkAddress(input: AddressFields): NewAddress | AccountUserError {
  const required = ['name', 'line1', 'city', 'postalCode'] as const;
  const optional = ['line2', 'region'] as const;
  const values: Record<string, string | null> = {};
  for (const field of required) {
    const value = input[field].trim();
    if (value.length === 0) return userError('INVALID_INPUT', `Enter the ${label[field]}.`, field);
    values[field] = value;
  }
  for (const field of optional) {
    const value = input[field]?.trim() ?? '';
    values[field] = value.length === 0 ? null : value;
  }
  for (const field of [...required, ...optional]) {
    const value = values[field];
    if (value !== null && value.length > limits[field]) {
      return userError(
        'INVALID_INPUT',
        `The ${label[field]} has at most ${limits[field]} characters.`,
        field,
      );
    }
  }
  const countryCode = input.countryCode.trim();
  if (!/^[A-Z]{2}$/.test(countryCode) || !COUNTRY_CODES.has(countryCode)) {
    return userError(
      'INVALID_INPUT',
      'The country must be an ISO 3166-1 alpha-2 code in capitals, for example "US" or "DE".',
      'countryCode',
    );
  }
  return {
    name: values.name as string,
    line1: values.line1 as string,
    line2: values.line2,
    city: values.city as string,
    region: values.region,
    postalCode: values.postalCode as string,
    countryCode,
    isDefault: input.isDefault === true,
  };
}

/** True when `id` can be an address id (a UUID); anything else is simply not found. */
export const isUuid = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
