/**
 * R4 "Get certificate" for one completion of an active user: the certificate a deactivation kept aside
 * for it comes back as it was (its id, its issue date); one that never existed is issued now.
 */
import { certificateToIssue } from '../records-kept-aside.ts';
import { emptyOutcome, type ChangeContext, type ChangeOutcome } from './change-outcome.ts';
import type { IssueCertificateArgs } from './operation.ts';

export function issueCertificateChange(context: ChangeContext, userId: string, args: IssueCertificateArgs): ChangeOutcome {
  const outcome = emptyOutcome();
  const { courseId, communityId } = args;
  const bundle = context.bundleOf(userId);
  if (!bundle?.user) {
    outcome.refusals.push({ userId, code: 'unknown_user', rule: 'R4', message: `User ${userId} is no longer on the roster.` });
    return outcome;
  }
  if (bundle.user.status !== 'active') {
    outcome.refusals.push({ userId, code: 'not_active', rule: 'R4', message: `User ${userId} is inactive: reactivate them before issuing certificates.` });
    return outcome;
  }
  if (bundle.certificates.some((c) => c.courseId === courseId && c.communityId === communityId)) {
    outcome.unchanged.push(userId);
    return outcome;
  }
  const completion = bundle.completions.find((c) => c.courseId === courseId && c.communityId === communityId);
  if (!completion) {
    outcome.refusals.push({ userId, code: 'not_found', rule: 'R4', message: `User ${userId} has not completed ${courseId} in ${communityId}.` });
    return outcome;
  }
  const { certificate, wasKept } = certificateToIssue(completion, bundle.removedCertificates, context.now);
  outcome.changed.set(userId, {
    ...bundle,
    certificates: [...bundle.certificates, certificate],
    removedCertificates: wasKept ? bundle.removedCertificates.filter((c) => c !== certificate) : bundle.removedCertificates,
  });
  outcome.audit.push({
    action: 'issue_certificate',
    targetId: userId,
    ruleId: 'R4',
    summary: wasKept
      ? `Gave back certificate ${certificate.id} for ${courseId} in ${communityId}, as issued on ${certificate.issuedAt}.`
      : `Issued certificate ${certificate.id} for ${courseId} in ${communityId}.`,
  });
  return outcome;
}
