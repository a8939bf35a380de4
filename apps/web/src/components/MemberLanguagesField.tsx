import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { queries } from '../lib/queries/index.js';
import { CheckboxGroup } from './CheckboxGroup.js';
import { COMMON_LANGUAGES, languageChoices } from './format.js';

/**
 * The languages a member takes calls in. The hotline's languages come first: those are the
 * ones callers can ask for; then the member's own (kept even if the hotline dropped one), then
 * common languages.
 */
export function MemberLanguagesField({
  legend,
  own,
  value,
  onChange,
}: {
  legend: string;
  own: string[];
  value: string[];
  onChange: (languages: string[]) => void;
}) {
  const { i18n } = useTranslation();
  const hotline = useQuery(queries.publicSettings());
  const codes = [...(hotline.data?.languages ?? []), ...own, ...COMMON_LANGUAGES];
  return (
    <CheckboxGroup
      legend={legend}
      className="checkbox-group columns"
      choices={languageChoices(codes, i18n.language)}
      value={value}
      onChange={onChange}
    />
  );
}
