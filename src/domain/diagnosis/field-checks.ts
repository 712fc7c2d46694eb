/** Collects "field: reason" problems while a rule is checked, so that one pass reports them all. */
export type Report = (field: string, reason: string) => void;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** Unknown keys are errors: a misspelt optional field would otherwise be silently ignored. */
export function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  report: Report,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) report(path ? `${path}.${key}` : key, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

export function checkString(
  v: unknown,
  field: string,
  report: Report,
  pattern?: { re: RegExp; hint: string },
): v is string {
  if (typeof v !== 'string' || v.trim() === '') {
    report(field, `must be a non-empty string, got ${describeValue(v)}`);
    return false;
  }
  if (pattern && !pattern.re.test(v)) {
    report(field, `"${v}" ${pattern.hint}`);
    return false;
  }
  return true;
}

export function checkOneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, report: Report): v is T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return true;
  report(field, `must be one of ${allowed.join(', ')}, got ${describeValue(v)}`);
  return false;
}

export function checkNumber(
  v: unknown,
  field: string,
  report: Report,
  range: { min: number; max: number; integer?: boolean; minExclusive?: boolean },
): boolean {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (range.minExclusive ? v > range.min : v >= range.min) &&
    v <= range.max &&
    (!range.integer || Number.isInteger(v));
  if (!ok) {
    const kind = range.integer ? 'an integer' : 'a number';
    const low = range.minExclusive ? `> ${range.min}` : `>= ${range.min}`;
    report(field, `must be ${kind} ${low} and <= ${range.max}, got ${describeValue(v)}`);
  }
  return ok;
}

/** A non-empty list whose items each pass `item`; duplicates are reported. */
export function checkList(
  v: unknown,
  field: string,
  report: Report,
  item: (x: unknown, field: string) => boolean,
): boolean {
  if (!Array.isArray(v) || v.length === 0) {
    report(field, `must be a non-empty list, got ${describeValue(v)}`);
    return false;
  }
  let ok = true;
  v.forEach((x, i) => {
    if (!item(x, `${field}[${i}]`)) ok = false;
    else if (v.indexOf(x) !== i) {
      report(`${field}[${i}]`, `duplicate ${describeValue(x)}`);
      ok = false;
    }
  });
  return ok;
}
