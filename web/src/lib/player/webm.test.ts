import { describe, expect, it } from 'vitest';
import { webmCodecs } from './webm.js';

/** The first 400 bytes of real segments: Chromium's MediaRecorder (camera with microphone; screen) and ffmpeg (janus mode). */
const HEADS = {
  mediaRecorderCamera:
    'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwEAAAAAADBsEU2bdLpNu4tTq4QVSalmU6yBbk27i1OrhBZUrmtTrIGTTbuMU6uEH0O2dVOsggECTbuMU6uEHFO7a1OsgjBV7K0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmoCrXsYMPQkBEiYREYQAATYCGQ2hyb21lV0GGQ2hyb21lFlSua+quvdeBAXPFh+b+UoI5FKuDgQKGhkFfT1BVU2Oik09wdXNIZWFkAQEAAIC7AAAAAADhjbWERzuAAJ+BAWJkgSCuqdeBAnPFh8cmWtna0teDgQFV7oEBhoVWX1ZQOOCMsIICgLqCAeBTwIEBH0O2dQEAAAAAAC9H54EAo4yBAACA+wP//v/+//6jSsOCACGAcHIAnQEqgALgAQRHCIWFiJmEiBcCIkt5WgEswH/AfwH+AuwD+AP4AmEPfxr8Wu+H+zfyL9ouvp6C+g==',
  mediaRecorderScreen:
    'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwEAAAAAAAxzEU2bdLlNu4tTq4QVSalmU6yBbk27i1OrhBZUrmtTrIGTTbuLU6uEH0O2dVOsgcNNu4xTq4QcU7trU6yCDGHsrgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmoCrXsYMPQkBEiYQ/gAAATYCGQ2hyb21lV0GGQ2hyb21lFlSua6uuqdeBAXPFhza6Eohp3RSDgQFV7oEBhoVWX1ZQOOCMsIIFALqCAtBTwIEBH0O2dQEAAAAAAAuS54EAo0uMgQAAgHDtAJ0BKgAF0AIKhwiFhYiZhIg4D//IgI7yyJsP8m+xf4o238/TYB/AEwBv/D6iTIau92g/yHaWslOgOEeZAv6vQYZER47vJffPAFeZVp9iyyRKvkGuj2LOnTp06dOnTp06dOnTp06dOnTp06dOnR073dp8dO9teGVb0+ocOHDhw4cOHDhw4Q==',
  ffmpeg:
    'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwEAAAAAARhbEU2bdLtNu4tTq4QVSalmU6yBoU27i1OrhBZUrmtTrIHYTbuMU6uEElTDZ1OsggGLTbuNU6uEHFO7a1OsgwEYDuwBAAAAAAAAWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmsirXsYMPQkBNgI1MYXZmNTkuMjcuMTAwV0GNTGF2ZjU5LjI3LjEwMESJiECvUAAAAAAAFlSua0CtrgEAAAAAAAA/14EBc8WIhhnb411CYlScgQAitZyDdW5kiIEAhoVWX1ZQOIOBASPjg4QF9eEA4JCwgaC6gXiagQJVsIRVuYEBrgEAAAAAAABc14ECc8WInl7uL4lERc6cgQAitZyDdW5kiIEAhoZBX09QVVNWqoNjLqBWu4QExLQAgw==',
};
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

describe('reading the codecs of a recording segment', () => {
  it('names the video first and then the sound, as MSE wants them', () => {
    expect(webmCodecs(bytes(HEADS.mediaRecorderCamera))).toBe('vp8,opus'); // MediaRecorder lists Opus first
    expect(webmCodecs(bytes(HEADS.ffmpeg))).toBe('vp8,opus');
  });

  it('tells a segment without sound apart', () => {
    expect(webmCodecs(bytes(HEADS.mediaRecorderScreen))).toBe('vp8');
  });

  it('answers null for what is not a WebM header it can read', () => {
    expect(webmCodecs(new TextEncoder().encode('not a video at all'))).toBeNull();
    expect(webmCodecs(bytes(HEADS.ffmpeg).subarray(0, 40))).toBeNull();
    expect(webmCodecs(new Uint8Array())).toBeNull();
  });
});
