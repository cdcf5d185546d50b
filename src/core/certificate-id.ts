/** The id a certificate of this completion carries, whether it reappears (R4) or is regenerated; the
 * device and the server derive the same one, so a certificate restored on both is one record. */
export function certificateIdOf(completion: { userId: string; courseId: string; communityId: string }): string {
  return `CERT-${completion.userId}-${completion.courseId}-${completion.communityId}`;
}
