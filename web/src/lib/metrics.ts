/** The metric catalogue as the proctor sees it on tiles: code, what it means, and a short symbol. */
export const METRICS: Record<string, { description: string; icon: string }> = {
  b1: { description: 'Browser is not supported', icon: '🌐' },
  b2: { description: 'Focus changed to a different window', icon: '🗗' },
  b3: { description: 'Full-screen mode is disabled', icon: '⛶' },
  c1: { description: 'Webcam is disabled', icon: '📷' },
  c2: { description: 'Face invisible or not looking into the camera', icon: '🙈' },
  c3: { description: 'Several faces in front of the camera', icon: '👥' },
  c4: { description: 'Unidentified face in front of the camera', icon: '❓' },
  c5: { description: 'Found a similar profile', icon: '🪞' },
  c6: { description: 'Face does not match the profile', icon: '🚫' },
  m1: { description: 'Microphone not working or volume low', icon: '🎙' },
  m2: { description: 'Conversation or noise in the background', icon: '🔊' },
  n1: { description: 'Network connection is lost', icon: '📶' },
  n2: { description: 'Mobile camera is disconnected', icon: '📱' },
  n3: { description: 'Records are not saved', icon: '💾' },
  s1: { description: 'Screen activity is not shared', icon: '🖥' },
  s2: { description: 'Second display is used', icon: '🖵' },
};

export function metricLabel(code: string): string {
  return `${code}: ${METRICS[code]?.description ?? 'unknown metric'}`;
}
