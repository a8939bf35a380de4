import type { Choice } from '../../components/CheckboxGroup.js';

/**
 * What the schedule page hands each of its sections (exceptions, ring groups) alike: the
 * volunteers one may pick, how a member is named, whether the admin may change anything, and
 * what to do after a change (read the schedule again).
 */
export interface ScheduleSectionProps {
  volunteers: Choice[];
  nameOf: (userId: string) => string;
  writable: boolean;
  onChanged: () => void;
}
