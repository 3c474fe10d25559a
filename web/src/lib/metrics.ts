/** The metric catalogue as the proctor sees it on tiles: the code in a badge, what it means in its tooltip. */
export const METRICS: Record<string, { description: string }> = {
  b1: { description: 'Browser is not supported' },
  b2: { description: 'Focus changed to a different window' },
  b3: { description: 'Full-screen mode is disabled' },
  c1: { description: 'Webcam is disabled' },
  c2: { description: 'Face invisible or not looking into the camera' },
  c3: { description: 'Several faces in front of the camera' },
  c4: { description: 'Unidentified face in front of the camera' },
  c5: { description: 'Found a similar profile' },
  c6: { description: 'Face does not match the profile' },
  m1: { description: 'Microphone not working or volume low' },
  m2: { description: 'Conversation or noise in the background' },
  n1: { description: 'Network connection is lost' },
  n2: { description: 'Mobile camera is disconnected' },
  n3: { description: 'Records are not saved' },
  s1: { description: 'Screen activity is not shared' },
  s2: { description: 'Second display is used' },
  t1: { description: 'Client report does not match the recording' },
};

export function metricLabel(code: string): string {
  return `${code}: ${METRICS[code]?.description ?? 'unknown metric'}`;
}
