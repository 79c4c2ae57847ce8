/**
 * Checkout's input rules. Addresses are checked by common/address.ts, as saved addresses are, so
 * an address that can be saved can be shipped to and vice versa; emails by common/email.ts.
 */
import { checkAddress, type AddressFields } from '../../../common/address';
import { isEmailAddress, normaliseEmail } from '../../../common/email';
import { errors } from '../../../common/errors';
import { userError, type UserError } from '../../../common/user-error';
import type { CheckoutErrorCode, PostalAddress } from './domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order ids are UUIDs; anything else names no order (and must not reach a uuid column). */
export const isUuid = (value: string) => UUID.test(value);

export interface CheckoutInput {
  cartId: string;
  idempotencyKey: string;
  paymentToken: string;
  shippingAddress?: (AddressFields & { isDefault?: boolean | null }) | null;
  addressId?: string | null;
  email?: string | null;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** The email and address as far as the input alone decides them, or why they will not do. */
export interface CheckedInput {
  /** Normalised; null when a signed-in shopper's account is to give it. */
  email: string | null;
  /** Checked; null when it is a saved address (`addressId`). */
  address: PostalAddress | null;
  addressId: string | null;
}

/** The input as it is compared across retries: trimmed, blank optional fields as null. */
export function normalisedInput(input: CheckoutInput): string {
  const text = (value: string | null | undefined) => {
    const trimmed = value?.trim() ?? '';
    return trimmed === '' ? null : trimmed;
  };
  const a = input.shippingAddress;
  return JSON.stringify({
    cartId: input.cartId,
    paymentToken: input.paymentToken,
    shippingAddress: a
      ? {
          name: text(a.name),
          line1: text(a.line1),
          line2: text(a.line2),
          city: text(a.city),
          region: text(a.region),
          postalCode: text(a.postalCode),
          countryCode: text(a.countryCode),
        }
      : null,
    addressId: text(input.addressId),
    email: input.email?.trim() ? normaliseEmail(input.email) : null,
  });
}

/** The email and the address the input names, or the user errors it earns. */
export function checkInput(
  input: CheckoutInput,
  signedIn: boolean,
): CheckedInput | UserError<CheckoutErrorCode>[] {
  const problems: UserError<CheckoutErrorCode>[] = [];
  const email = input.email?.trim() ? normaliseEmail(input.email) : null;
  if (email !== null && !isEmailAddress(email)) {
    problems.push(
      userError('EMAIL_REQUIRED', 'Enter a valid email address for the order confirmation.', [
        'input',
        'email',
      ]),
    );
  } else if (email === null && !signedIn) {
    problems.push(
      userError('EMAIL_REQUIRED', 'Enter an email address: the order confirmation is sent there.', [
        'input',
        'email',
      ]),
    );
  }
  const addressId = input.addressId?.trim() || null;
  let address: PostalAddress | null = null;
  if (input.shippingAddress && addressId) {
    problems.push(
      userError(
        'INVALID_ADDRESS',
        'Give either a shipping address or the id of a saved address, not both.',
        ['input', 'addressId'],
      ),
    );
  } else if (input.shippingAddress) {
    const checked = checkAddress(input.shippingAddress);
    if ('message' in checked) {
      problems.push(
        userError('INVALID_ADDRESS', checked.message, ['input', 'shippingAddress', checked.field]),
      );
    } else {
      address = checked;
    }
  } else if (addressId && !signedIn) {
    problems.push(
      userError('INVALID_ADDRESS', 'Sign in to ship to a saved address, or enter the address.', [
        'input',
        'addressId',
      ]),
    );
  } else if (!addressId) {
    problems.push(
      userError('INVALID_ADDRESS', 'Enter the shipping address.', ['input', 'shippingAddress']),
    );
  }
  return problems.length > 0 ? problems : { email, address, addressId };
}

/** Malformed arguments are the client's bug, not the shopper's: BAD_USER_INPUT. */
export function checkShape(input: CheckoutInput): void {
  const key = input.idempotencyKey;
  if (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw errors.badUserInput(
      `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`,
      'input.idempotencyKey',
    );
  }
  if (input.paymentToken.trim() === '' || input.paymentToken.length > 500) {
    throw errors.badUserInput('paymentToken must be 1 to 500 characters.', 'input.paymentToken');
  }
  if (input.cartId.trim() === '' || input.cartId.length > 200) {
    throw errors.badUserInput('cartId must be 1 to 200 characters.', 'input.cartId');
  }
}
