/**
 * Checkout's input rules. Addresses follow the user service's rules for saved addresses (the same
 * limits and country codes), so an address that can be saved can be shipped to and vice versa.
 */
import { COUNTRY_CODES } from '../../../common/address';
import type { PostalAddress } from './domain';

export interface AddressFields {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  countryCode: string;
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

/** A problem with one field of an address: its name and what is wrong. */
export interface AddressProblem {
  field: keyof AddressFields;
  message: string;
}

/** Trims every field (blank optional fields become null) and checks them; the first problem wins. */
export function checkAddress(input: AddressFields): PostalAddress | AddressProblem {
  const required = ['name', 'line1', 'city', 'postalCode'] as const;
  const optional = ['line2', 'region'] as const;
  const values: Record<string, string | null> = {};
  for (const field of required) {
    const value = input[field].trim();
    if (value.length === 0) return { field, message: `Enter the ${label[field]}.` };
    values[field] = value;
  }
  for (const field of optional) {
    const value = input[field]?.trim() ?? '';
    values[field] = value.length === 0 ? null : value;
  }
  for (const field of [...required, ...optional]) {
    const value = values[field];
    if (value !== null && value.length > limits[field]) {
      return {
        field,
        message: `The ${label[field]} has at most ${limits[field]} characters.`,
      };
    }
  }
  const countryCode = input.countryCode.trim();
  if (!/^[A-Z]{2}$/.test(countryCode) || !COUNTRY_CODES.has(countryCode)) {
    return {
      field: 'countryCode',
      message:
        'The country must be an ISO 3166-1 alpha-2 code in capitals, for example "US" or "DE".',
    };
  }
  return {
    name: values.name as string,
    line1: values.line1 as string,
    line2: values.line2,
    city: values.city as string,
    region: values.region,
    postalCode: values.postalCode as string,
    countryCode,
  };
}

/** Trims and lower-cases an email address: the form orders keep. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** local@domain.tld, no spaces or characters that would break a mail header, at most 254. */
export function validEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>",]+@[^\s@<>",.]+(\.[^\s@<>",.]+)+$/.test(email);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order ids are UUIDs; anything else names no order (and must not reach a uuid column). */
export const isUuid = (value: string) => UUID.test(value);
