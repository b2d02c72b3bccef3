// The spec's notifications: webhook URL or the worker variable holding it, and the events named.
import { InvalidInputError, NOTIFICATION_EVENTS, parseSpec } from '../../../src/schema';

const spec = (notifications: unknown) => ({
  endpointName: 'churn',
  baseline: { variantName: 'Champion' },
  candidate: { variantName: 'Challenger', modelName: 'churn-xgb-v2' },
  notifications,
});

function issuesOf(input: unknown): string[] {
  try {
    parseSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

test('none by default; every event unless some are named', () => {
  const { notifications: _n, ...noNotifications } = spec([]);
  expect(parseSpec(noNotifications).notifications).toEqual([]);
  expect(
    parseSpec(
      spec([
        { url: 'https://hooks.example.com/T1/B2/xyz' },
        { urlEnv: 'SLACK_WEBHOOK_URL', events: ['approval-requested'] },
      ]),
    ).notifications,
  ).toEqual([
    { url: 'https://hooks.example.com/T1/B2/xyz', events: [...NOTIFICATION_EVENTS] },
    { urlEnv: 'SLACK_WEBHOOK_URL', events: ['approval-requested'] },
  ]);
});

test.each([
  [[{ events: ['promoted'] }], /^notifications\[0\]: give url .* or urlEnv/],
  [[{ url: 'https://h.example.com/x', urlEnv: 'X' }], /^notifications\[0\]: give url .* not both/],
  [[{ url: 'ftp://h.example.com/x' }], /^notifications\[0\]\.url: url must be an http:\/\/ or https:\/\/ URL/],
  [[{ url: 'https:///nohost' }], /^notifications\[0\]\.url: /],
  [[{ urlEnv: 'NOT A NAME' }], /^notifications\[0\]\.urlEnv: urlEnv must be an environment variable name/],
  [[{ url: 'https://h.example.com/x', events: [] }], /^notifications\[0\]\.events: events is empty/],
  [
    [{ url: 'https://h.example.com/x', events: ['deployed'] }],
    /^notifications\[0\]\.events\[0\]: events may hold only/,
  ],
  [[{ url: 'https://h.example.com/x', colour: 'red' }], /^notifications\[0\]: unknown field "colour"/],
  [{ url: 'https://h.example.com/x' }, /^notifications: notifications must be a list/],
  [Array.from({ length: 11 }, () => ({ url: 'https://h.example.com/x' })), /^notifications: more than 10/],
])('%j is refused', (notifications, message) => {
  expect(issuesOf(spec(notifications))).toEqual([expect.stringMatching(message)]);
});
