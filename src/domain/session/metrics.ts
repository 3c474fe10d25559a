/** The metric catalogue. The codes are part of the public contract (LMS integrations send and read them). */
export const METRIC_CODES = [
  'b1', 'b2', 'b3', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'm1', 'm2', 'n1', 'n2', 'n3', 's1', 's2', 't1',
] as const;

export type MetricCode = (typeof METRIC_CODES)[number];

export const METRIC_DESCRIPTIONS: Readonly<Record<MetricCode, string>> = {
  b1: 'Browser is not supported',
  b2: 'Focus changed to a different window',
  b3: 'Full-screen mode is disabled',
  c1: 'Webcam is disabled',
  c2: 'Face invisible or not looking into the camera',
  c3: 'Several faces in front of the camera',
  c4: 'Unidentified face in front of the camera',
  c5: 'Found a similar profile',
  c6: 'Face does not match the profile',
  m1: 'Microphone not working or volume low',
  m2: 'Conversation or noise in the background',
  n1: 'Network connection is lost',
  n2: 'Mobile camera is disconnected',
  n3: 'Records are not saved',
  s1: 'Screen activity is not shared',
  s2: 'Second display is used',
  t1: 'Client report does not match the recording',
};

export function isMetricCode(value: string): value is MetricCode {
  return (METRIC_CODES as readonly string[]).includes(value);
}

/** Per-minute values: the share of the minute (0–100) each metric was in violation. */
export type MetricValues = Partial<Record<MetricCode, number>>;
