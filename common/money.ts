/** Money is integer minor units inside the system and a two-place decimal string outside. */
import { inheritsHint } from './cache-hints';
import { Field, ObjectType, Directive } from 'type-graphql';

/** "19.99" for 1999. */
export function formatMinorUnits(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new Error(`not an integer amount: ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** 1999 for "19.99" or "19.990"; null when the text is not a non-negative decimal amount. */
export function parseMinorUnits(text: string): number | null {
  const match = /^(\d{1,12})(?:\.(\d{1,2})0*)?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

@Directive('@shareable')
@inheritsHint()
@ObjectType({ description: 'An amount of money in one currency.' })
export class Money {
  @Field({ description: 'Decimal amount with two places, for example "19.99".' })
  amount!: string;

  @Field({ description: 'ISO 4217 currency code, for example "USD".' })
  currencyCode!: string;

  static of(minor: number, currencyCode: string): Money {
    const money = new Money();
    money.amount = formatMinorUnits(minor);
    money.currencyCode = currencyCode;
    return money;
  }
}
