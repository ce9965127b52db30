/**
 * String formats checked on custom resources: the formats of kube-openapi's strfmt registry that
 * apiextensions-apiserver accepts (pkg/apiserver/validation/formats.go). Unknown formats pass, as
 * upstream ignores them.
 */

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const hostnamePattern =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const durationPattern = /^[-+]?(\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|w)\s*)+$/;
const emailPattern = /^[^\s@]+@[^\s@]+$/;
const macPattern = /^([0-9a-fA-F]{2}[:-]){5}([0-9a-fA-F]{2})$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hexColorPattern = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rgbColorPattern = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const doubles = s.split('::').length - 1;
  if (doubles > 1) return false;
  let groups = s.split(':').filter((g) => g !== '');
  let budget = 8;
  const last = groups[groups.length - 1];
  if (last && last.includes('.')) {
    if (!isIPv4(last)) return false;
    groups = groups.slice(0, -1);
    budget = 6;
  }
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return doubles === 1 ? groups.length < budget : groups.length === budget;
}

function isCIDR(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function isURI(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function isDateTime(s: string): boolean {
  return dateTimePattern.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T')));
}

function isDate(s: string): boolean {
  return datePattern.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

const checks: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isURI,
  email: (s) => emailPattern.test(s),
  hostname: (s) => s.length <= 255 && hostnamePattern.test(s),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  mac: (s) => macPattern.test(s),
  uuid: (s) => uuidPattern.test(s),
  uuid3: (s) => uuidPattern.test(s) && s.replace(/-/g, '')[12] === '3',
  uuid4: (s) => uuidPattern.test(s) && s.replace(/-/g, '')[12] === '4',
  uuid5: (s) => uuidPattern.test(s) && s.replace(/-/g, '')[12] === '5',
  isbn: (s) => /^(\d{9}[\dXx]|\d{13})$/.test(s.replace(/[- ]/g, '')),
  isbn10: (s) => /^\d{9}[\dXx]$/.test(s.replace(/[- ]/g, '')),
  isbn13: (s) => /^\d{13}$/.test(s.replace(/[- ]/g, '')),
  creditcard: (s) => /^\d{12,19}$/.test(s.replace(/[- ]/g, '')),
  ssn: (s) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => hexColorPattern.test(s),
  rgbcolor: (s) => rgbColorPattern.test(s),
  byte: (s) => base64Pattern.test(s),
  password: () => true,
  date: isDate,
  duration: (s) => durationPattern.test(s),
  datetime: isDateTime,
  'date-time': isDateTime,
};

/** Whether `value` matches the named string format; unknown formats always match. */
export function checkFormat(format: string, value: string): boolean {
  const check = checks[format];
  return check ? check(value) : true;
}

/** The formats that are checked (the others are accepted and ignored). */
export const supportedFormats: readonly string[] = [
  ...Object.keys(checks),
  'int32',
  'int64',
  'float',
  'double',
];

export { dns1123Subdomain };
