/** The Rules screen's state: saved selection rules with what each matches now. */
import type { RuleSummary } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import type { RosterWorker } from './roster-worker-client.ts';

export class SavedRules {
  rules = $state.raw<RuleSummary[] | null>(null);
  error = $state.raw<ErrorMessage | null>(null);
  notice = $state<string | null>(null);

  constructor(private readonly worker: RosterWorker) {}

  async refresh(): Promise<void> {
    try {
      this.rules = await this.worker.listRules();
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async remove(rule: RuleSummary): Promise<void> {
    try {
      await this.worker.deleteRule(rule.id);
      this.notice = `Rule “${rule.name}” deleted.`;
      await this.refresh();
    } catch (error) {
      this.error = describeError(error);
    }
  }
}
