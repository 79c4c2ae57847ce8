/**
 * Postal addresses, shared by the services that take them (saved addresses, checkout): one input
 * type (Federation requires an input type defined in several subgraphs to be identical) and one
 * list of country codes, so an address that can be saved can be shipped to and vice versa.
 */
import { Field, InputType } from 'type-graphql';

/** An address as the services keep it: trimmed, blank optional fields null. */
export interface PostalAddress {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  countryCode: string;
}

/** Officially assigned ISO 3166-1 alpha-2 codes. */
export const COUNTRY_CODES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR ' +
    'BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ ' +
    'EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW ' +
    'GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY ' +
    'KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV ' +
    'MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY ' +
    'QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG ' +
    'TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

@InputType({ description: 'A postal address to ship to.' })
export class AddressInput {
  @Field({ description: 'Recipient, 1 to 100 characters.' })
  name!: string;

  @Field({ description: 'Street and number, 1 to 200 characters.' })
  line1!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Apartment, suite, floor; up to 200 characters.',
  })
  line2?: string | null;

  @Field({ description: 'City or town, 1 to 100 characters.' })
  city!: string;

  @Field(() => String, {
    nullable: true,
    description: 'State, province or county; up to 100 characters.',
  })
  region?: string | null;

  @Field({ description: 'Postal or ZIP code, 1 to 20 characters.' })
  postalCode!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code in capitals, for example "US".' })
  countryCode!: string;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Make this the default address. The first address is the default whatever this says.',
  })
  isDefault?: boolean | null;
}

/** An address as a client sends it (AddressInput). */
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
