/** Word lists for realistic-looking sandbox data. Small on purpose: combinations give variety. */

export const FIRST_NAMES = [
  'Anna', 'Ben', 'Chloé', 'David', 'Elif', 'Felix', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kateřina', 'Liam',
  'Maria', 'Noah', 'Olivia', 'Pedro', 'Quinn', 'Rahul', 'Sofia', 'Tomás', 'Uma', 'Viktor', 'Wei', 'Ximena',
  'Yusuf', 'Zoë', "Conor", 'Siobhán', 'Björn', 'Małgorzata', 'Jürgen', 'Aoife', 'Mateo', 'Léa', 'Kwame', 'Priya',
] as const;

export const LAST_NAMES = [
  'Smith', 'Müller', 'García', 'Rossi', 'Novák', 'Dubois', 'Kowalski', 'Jensen', "O'Brien", 'Tanaka',
  'Silva', 'Andersson', 'Nguyen', 'Okafor', 'Patel', 'Kim', 'Van der Berg', 'Papadopoulos', 'Horvat',
  'Ivanova', 'Tamm', 'Kask', 'Fernández', 'Schmidt', 'Larsen', 'Costa', 'Murphy', 'Chen', 'Haddad', 'Ødegaard',
] as const;

export const COMPANY_STEMS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne',
  'Soylent', 'Nordic', 'Baltic', 'Alpine', 'Atlas', 'Zenith', 'Orbit', 'Pioneer', 'Summit', 'Harbor',
  'Lumen', 'Quantum', 'Vertex', 'Nimbus', 'Cobalt', 'Evergreen', 'Redwood', 'Silverline', 'Bluefin', 'Kestrel',
] as const;

export const COMPANY_SUFFIXES = ['Ltd', 'GmbH', 'Inc.', 'OÜ', 'S.A.', 'AB', 'BV', 'LLC', 'plc', 'Sp. z o.o.', '& Co.', 'AS'] as const;

export const INDUSTRIES = ['Software', 'Logistics', 'Retail', 'Manufacturing', 'Healthcare', 'Finance', 'Energy', 'Education'] as const;

export const DEAL_NOUNS = [
  'license', 'renewal', 'expansion', 'pilot', 'onboarding', 'support plan', 'integration', 'hardware order',
  'consulting', 'training', 'subscription', 'migration', 'audit', 'upgrade',
] as const;

export const JOB_TITLES = ['CEO', 'CTO', 'Head of Sales', 'Procurement Manager', 'Office Manager', 'Engineer', 'CFO', 'Buyer'] as const;

export const EMAIL_LABELS = ['work', 'home', 'other'] as const;
export const PHONE_LABELS = ['work', 'mobile', 'home', 'other'] as const;

export const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP', 'SEK', 'PLN', 'CHF', 'JPY'] as const;

export interface Place {
  readonly country: string;
  readonly countryCode: string;
  readonly city: string;
  readonly region: string;
  readonly postalPrefix: string;
  readonly phonePrefix: string;
  readonly timezoneId: number;
  readonly timezoneName: string;
}

export const PLACES: readonly Place[] = [
  { country: 'Estonia', countryCode: 'EE', city: 'Tallinn', region: 'Harju maakond', postalPrefix: '10', phonePrefix: '+372', timezoneId: 293, timezoneName: 'Europe/Tallinn' },
  { country: 'Germany', countryCode: 'DE', city: 'Berlin', region: 'Berlin', postalPrefix: '10', phonePrefix: '+49', timezoneId: 270, timezoneName: 'Europe/Berlin' },
  { country: 'United Kingdom', countryCode: 'GB', city: 'London', region: 'England', postalPrefix: 'EC', phonePrefix: '+44', timezoneId: 318, timezoneName: 'Europe/London' },
  { country: 'United States', countryCode: 'US', city: 'New York', region: 'New York', postalPrefix: '100', phonePrefix: '+1', timezoneId: 156, timezoneName: 'America/New_York' },
  { country: 'France', countryCode: 'FR', city: 'Paris', region: 'Île-de-France', postalPrefix: '75', phonePrefix: '+33', timezoneId: 308, timezoneName: 'Europe/Paris' },
  { country: 'Poland', countryCode: 'PL', city: 'Kraków', region: 'Małopolskie', postalPrefix: '30', phonePrefix: '+48', timezoneId: 311, timezoneName: 'Europe/Warsaw' },
  { country: 'Japan', countryCode: 'JP', city: 'Tokyo', region: 'Tokyo', postalPrefix: '100', phonePrefix: '+81', timezoneId: 214, timezoneName: 'Asia/Tokyo' },
  { country: 'Brazil', countryCode: 'BR', city: 'São Paulo', region: 'São Paulo', postalPrefix: '01', phonePrefix: '+55', timezoneId: 120, timezoneName: 'America/Sao_Paulo' },
];

export const STREETS = ['Main Street', 'Narva mnt', 'Friedrichstraße', 'Baker Street', 'Rue de Rivoli', 'Floriańska', 'Chuo-dori', 'Avenida Paulista'] as const;

export const LOST_REASONS = ['Too expensive', 'Went with a competitor', 'No budget', 'No response', 'Timing'] as const;

export const ACTIVITY_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'] as const;
export const ACTIVITY_SUBJECTS = ['Intro call', 'Demo', 'Follow up', 'Send proposal', 'Contract review', 'Kick-off', 'Quarterly check-in'] as const;

export const PRODUCT_NAMES = [
  'Starter plan', 'Pro plan', 'Enterprise plan', 'Onboarding package', 'Premium support', 'API add-on',
  'Analytics module', 'Extra seat', 'Hardware kit', 'Training day', 'Data migration', 'Custom report',
] as const;
export const PRODUCT_UNITS = ['seat', 'month', 'piece', 'hour', 'day', 'license'] as const;
export const BILLING_FREQUENCIES = ['one-time', 'annually', 'semi-annually', 'quarterly', 'monthly', 'weekly'] as const;

export const OPTION_COLORS = ['green', 'yellow', 'red', 'blue', 'purple', 'gray'] as const;

/** GET /v1/leadSources answers this fixed list (the spec example's names). */
export const LEAD_SOURCE_NAMES = [
  'Manually created', 'Deal', 'Web forms', 'Prospector', 'Leadbooster', 'Live chat', 'Import', 'Website visitors', 'Workflow automation', 'API',
] as const;

export const LEAD_LABEL_COLORS = ['blue', 'brown', 'dark-gray', 'gray', 'green', 'orange', 'pink', 'purple', 'red', 'yellow'] as const;
export const LEAD_LABEL_NAMES = ['Hot', 'Cold', 'Warm', 'Partner', 'Event', 'Inbound'] as const;

/** Note bodies are HTML from the rich-text editor; some carry entities, unicode and markup a loader must keep verbatim. */
export const NOTE_BODIES = [
  '<p>Called &amp; discussed <b>pricing</b>; follow up next week.</p>',
  '<p>Decision maker: <i>CFO</i></p><ul><li>budget approved</li><li>legal review</li></ul>',
  '<div>Met at the fair 🚀 — wants a demo in Français &amp; Deutsch.</div>',
  '<p>Quote: "we\'ll sign by Q3"<br>Risk: competitor <a href="https://example.com">offer</a></p>',
  '<p>Robert\'); DROP TABLE notes;--</p>',
  '<p>Line one</p>\n<p>Line two with tab\tand 名前</p>',
] as const;

export const FILE_KINDS = [
  { extension: 'pdf', type: 'pdf', stem: 'Proposal' },
  { extension: 'docx', type: 'doc', stem: 'Contract' },
  { extension: 'xlsx', type: 'xls', stem: 'Price list' },
  { extension: 'png', type: 'img', stem: 'Screenshot' },
  { extension: 'jpg', type: 'img', stem: 'Business card' },
] as const;

export const CALL_OUTCOMES = ['connected', 'no_answer', 'left_message', 'left_voicemail', 'wrong_number', 'busy'] as const;
