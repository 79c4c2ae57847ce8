/**
 * Postal addresses, shared by the services that take them (saved addresses, checkout): one input
 * type (Federation requires an input type defined in several subgraphs to be identical) and one
 * list of country codes, so an address that can be saved can be shipped to and vice versa.
 */
import { Field, InputType } from 'type-graphql';

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
