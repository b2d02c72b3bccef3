/**
 * CloudWatch's rules for the Period and StartTime of a metric query, as [BC-CW] documents them (MetricStat.Period,
 * GetMetricStatistics Period and StartTime, PutMetricAlarm Period), played by the `aws` profile. With a time scale
 * every duration is scaled: "a minute" is `resolutionSeconds`, 3 hours is 3 h × timeScale, and so on.
 */
import type { ResolvedCloudWatch } from './data-plane-settings';

const HOUR = 3600;
const DAY = 24 * HOUR;
/** Periods high-resolution metrics may use below a minute ([BC-CW] MetricStat.Period). */
const SUB_MINUTE = [1, 5, 10, 20, 30];
/** Periods PutMetricAlarm takes below a minute ([BC-CW] PutMetricAlarmInput.Period: "10, 20, 30, and any multiple of 60"). */
const ALARM_SUB_MINUTE = [10, 20, 30];

function multipleOf(period: number, unit: number): boolean {
  return period % unit === 0;
}

/**
 * "For metrics with regular resolution, a period can be as short as one minute (60 seconds) and must be a multiple of
 * 60. For high-resolution metrics ... the period can be 1, 5, 10, 20, 30, 60, or any multiple of 60." A period in
 * neither set is valid for no metric. Under a time scale the scaled minute's multiples are valid too.
 */
export function isValidQueryPeriod(period: number, cw: ResolvedCloudWatch): boolean {
  return SUB_MINUTE.includes(period) || multipleOf(period, 60) || multipleOf(period, cw.resolutionSeconds);
}

export function isValidAlarmPeriod(period: number, cw: ResolvedCloudWatch): boolean {
  return ALARM_SUB_MINUTE.includes(period) || multipleOf(period, 60) || multipleOf(period, cw.resolutionSeconds);
}

/**
 * "If the StartTime parameter specifies a time stamp that is greater than 3 hours ago, you must specify the period
 * as follows or no data points in that time range is returned: 3 hours–15 days ago, a multiple of 60 seconds; 15–63
 * days ago, a multiple of 300; greater than 63 days ago, a multiple of 3600."
 */
export function periodServesStart(period: number, startSec: number, nowSec: number, cw: ResolvedCloudWatch): boolean {
  const age = nowSec - startSec;
  const minute = cw.resolutionSeconds;
  if (age > 63 * DAY * cw.timeScale) return multipleOf(period, 60 * minute);
  if (age > 15 * DAY * cw.timeScale) return multipleOf(period, 5 * minute);
  if (age > 3 * HOUR * cw.timeScale) return multipleOf(period, minute);
  return true;
}

/**
 * Where the first period starts: "CloudWatch rounds the specified time stamp as follows: Start time less than 15 days
 * ago - Round down to the nearest whole minute; between 15 and 63 days ago - to the nearest 5-minute clock interval;
 * greater than 63 days ago - to the nearest 1-hour clock interval. If you set Period to 5, 10, 20, or 30, the start
 * time of your request is rounded down to the nearest time that corresponds to even 5-, 10-, 20-, or 30-second
 * divisions of a minute." Periods then follow each other from there (a 300 s period from 12:32 covers 12:32–12:37).
 * A 1 s period is rounded to the second (the documents name only 5–30 s; rounding a 1 s query to the minute would
 * hide its first minute).
 */
export function roundedStart(startSec: number, period: number, nowSec: number, cw: ResolvedCloudWatch): number {
  const minute = cw.resolutionSeconds;
  let unit: number;
  if (SUB_MINUTE.includes(period) && !multipleOf(period, minute)) unit = period;
  else {
    const age = nowSec - startSec;
    unit = age > 63 * DAY * cw.timeScale ? 60 * minute : age > 15 * DAY * cw.timeScale ? 5 * minute : minute;
  }
  return Math.floor(startSec / unit) * unit;
}
