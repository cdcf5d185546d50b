/**
 * The id of a certificate issued new from a completion (R4): one that never existed, or whose original
 * was not kept aside (records-kept-aside.ts gives a kept one back with its own id). The device and the
 * server derive the same one, so a certificate issued on both is one record.
 */
export function certificateIdOf(completion: { userId: string; courseId: string; communityId: string }): string {
  return `CERT-${completion.userId}-${completion.courseId}-${completion.communityId}`;
}
