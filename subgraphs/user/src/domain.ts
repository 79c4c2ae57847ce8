/** Accounts, profiles and addresses as the user service sees them. */

/** The codes of AccountUserError: expected outcomes of account operations. */
export type AccountUserErrorCode =
  | 'INVALID_EMAIL'
  | 'INVALID_PASSWORD'
  | 'USERNAME_EXISTS'
  | 'NOT_AUTHORIZED'
  | 'USER_NOT_CONFIRMED'
  | 'CODE_MISMATCH'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'RATE_LIMITED';

/**
 * An expected outcome of an account operation. Unlike the other subgraphs' `UserError`
 * (common/user-error.ts), whose `field` is a path, the public `AccountUserError.field` names one
 * input field, so this shape is the user service's own.
 */
export interface AccountUserError {
  code: AccountUserErrorCode;
  /** The input field the error is about (`email`, `countryCode`), or null. */
  field: string | null;
  message: string;
}

export const accountError = (
  code: AccountUserErrorCode,
  message: string,
  field: string | null = null,
): AccountUserError => ({ code, field, message });

/** A shopper's profile; `id` is the Cognito `sub`. */
export interface User {
  id: string;
  email: string;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Address {
  id: string;
  userId: string;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string;
  isDefault: boolean;
  createdAt: Date;
}

/** A validated address, ready to store. */
export type NewAddress = Omit<Address, 'id' | 'userId' | 'isDefault' | 'createdAt'> & {
  /** Asked to be the default (the first address is the default whatever this says). */
  isDefault: boolean;
};

/** Tokens Cognito issued. */
export interface Session {
  accessToken: string;
  idToken: string;
  /** Null on refresh: Cognito keeps the refresh token it issued at sign-in. */
  refreshToken: string | null;
  /** Seconds until the access token expires; null when unknown. */
  expiresIn: number | null;
}
