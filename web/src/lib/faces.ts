/** A face check as the proctor's screens get it (`FaceCheck` in the API). */
export interface FaceCheckView {
  photoId: string;
  result: string;
  /** Null for checks recorded before reasons were. */
  reason: string | null;
  faceCount: number | null;
  distance: number | null;
  similarProfiles: string[];
  at: string;
}

/** Words for checks recorded before reasons were: the colour is all they say. */
const BY_COLOUR: Record<string, string> = { green: 'matches the profile', yellow: 'matches, but similar profiles exist', red: 'does not match the profile' };

/** What a face check found, in words, for proctors: why it is red, or that it matches. */
export function faceVerdict(check: Pick<FaceCheckView, 'result' | 'reason' | 'faceCount'>): string {
  const similar = check.result === 'yellow' ? ', but similar profiles exist' : '';
  switch (check.reason) {
    case 'match':
      return `matches the profile${similar}`;
    case 'new_reference':
      return `first face photo: now the profile's reference${similar}`;
    case 'mismatch':
      return 'does not match the profile';
    case 'no_face':
      return 'no face in the photo';
    case 'several_faces':
      return `${check.faceCount ?? 'several'} faces in the photo`;
    case 'unreadable':
      return 'the photo could not be read';
    case 'no_reference':
      return 'no reference face to compare with';
    default:
      return BY_COLOUR[check.result] ?? check.result;
  }
}

export type PhotoKind = 'face' | 'document';

/**
 * What the test-taker is told when the server found a photo needs retaking (`problem` from their activity stream:
 * no_face, several_faces, unreadable), or null when it does not.
 */
export function retakePrompt(kind: PhotoKind, problem: string | null, faceCount: number | null): string | null {
  const what = kind === 'face' ? 'face photo' : 'ID document photo';
  switch (problem) {
    case 'no_face':
      return kind === 'face'
        ? 'Your face photo shows no face. Please retake it, looking into the camera with your face well lit.'
        : 'Your ID document photo shows no face. Please retake it with the photo on the document facing the camera.';
    case 'several_faces':
      return `Your ${what} shows ${faceCount ?? 'several'} faces. Only you may be in the picture: please retake it.`;
    case 'unreadable':
      return `Your ${what} could not be read. Please retake it.`;
    default:
      return null;
  }
}
