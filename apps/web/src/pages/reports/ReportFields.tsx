import type { ReportFieldDefinition } from '@llamenos/protocol';
import type { ReactNode } from 'react';
import { Controller, type UseFormRegisterReturn, type UseFormReturn } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { UserText, userTextIn } from '../../components/UserText.js';
import {
  FIELD_LONG_TEXT_MAX,
  FIELD_TEXT_MAX,
  fieldLabel,
  type ReportFormValues,
  type ReportProblem,
} from '../../lib/reports/payload.js';

/** The most characters a text field takes, said with a "too long" problem. */
export const maxLengthOf = (field: ReportFieldDefinition) =>
  field.type === 'longText' ? FIELD_LONG_TEXT_MAX : FIELD_TEXT_MAX;

/** A field's problem under it, in words (with the limit when it is one), and the ARIA that points to it. */
export function ProblemText({ id, problem, max }: { id: string; problem: string | undefined; max?: number }) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <p id={`${id}-problem`} className="error field-problem">
      {t(`reports.problem.${problem as ReportProblem}`, { max })}
    </p>
  );
}

export const problemProps = (id: string, problem: string | undefined) => ({
  'aria-invalid': problem ? true : undefined,
  'aria-describedby': problem ? `${id}-problem` : undefined,
});

/**
 * A report's own text box (its body, a reply): the caption, the text in its own direction (at
 * most `limit` characters), and what is wrong with it under it. The form's registration passes
 * through.
 */
export function ReportTextBox({
  id,
  caption,
  rows,
  limit,
  problem,
  ...registration
}: {
  id: string;
  caption: string;
  rows: number;
  limit: number;
  problem: string | undefined;
} & UseFormRegisterReturn) {
  return (
    <>
      <label htmlFor={id}>{caption}</label>
      <textarea
        id={id}
        dir="auto"
        rows={rows}
        maxLength={limit}
        {...problemProps(id, problem)}
        {...registration}
      />
      <ProblemText id={id} problem={problem} max={limit} />
    </>
  );
}

/**
 * One of the report type's fields, by its type: a line or a box of text, a number, a date and
 * time, a choice (a list), several choices (boxes), yes or no (two radio buttons), a place.
 * Values are strings (arrays for several choices) until lib/reports/payload.ts makes the payload.
 */
export function ReportFieldInput({
  field,
  form,
}: {
  field: ReportFieldDefinition;
  form: UseFormReturn<ReportFormValues>;
}) {
  const { t, i18n } = useTranslation();
  const id = `report-field-${field.id}`;
  const name = `fields.${field.id}` as const;
  const problem = form.formState.errors.fields?.[field.id]?.message;
  const label = fieldLabel(field, i18n.language);
  const caption: ReactNode = field.required ? (
    userTextIn(t, 'reports.requiredLabel', { label })
  ) : (
    <UserText>{label}</UserText>
  );
  const common = { id, ...problemProps(id, problem), 'aria-required': field.required || undefined };
  const options = field.options ?? [];

  if (field.type === 'multiChoice' || field.type === 'yesNo')
    return (
      <fieldset className="choice-group" aria-describedby={problem ? `${id}-problem` : undefined}>
        <legend>{caption}</legend>
        {field.type === 'yesNo' ? (
          <YesNoRadios form={form} name={name} />
        ) : (
          <ChoiceBoxes form={form} name={name} options={options} />
        )}
        <ProblemText id={id} problem={problem} />
      </fieldset>
    );

  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      {field.type === 'choice' ? (
        <select {...common} {...form.register(name)}>
          <option value="">{t('reports.choose')}</option>
          {options.map((o) => (
            <option key={o} value={o} dir="auto">
              {o}
            </option>
          ))}
        </select>
      ) : field.type === 'longText' ? (
        <textarea {...common} dir="auto" rows={5} maxLength={FIELD_LONG_TEXT_MAX} {...form.register(name)} />
      ) : (
        <input
          {...common}
          dir={field.type === 'text' || field.type === 'location' ? 'auto' : undefined}
          type={field.type === 'number' ? 'text' : field.type === 'datetime' ? 'datetime-local' : 'text'}
          inputMode={field.type === 'number' ? 'decimal' : undefined}
          maxLength={field.type === 'text' || field.type === 'location' ? FIELD_TEXT_MAX : undefined}
          {...form.register(name)}
        />
      )}
      <ProblemText id={id} problem={problem} max={maxLengthOf(field)} />
    </div>
  );
}

type FieldName = `fields.${string}`;

/** Yes or no, as two radio buttons. */
function YesNoRadios({ form, name }: { form: UseFormReturn<ReportFormValues>; name: FieldName }) {
  const { t } = useTranslation();
  return (
    <>
      <label className="checkbox">
        <input type="radio" value="yes" {...form.register(name)} /> {t('reports.yes')}
      </label>
      <label className="checkbox">
        <input type="radio" value="no" {...form.register(name)} /> {t('reports.no')}
      </label>
    </>
  );
}

/** Several choices, one box each; the value is the list of those ticked. */
function ChoiceBoxes({
  form,
  name,
  options,
}: {
  form: UseFormReturn<ReportFormValues>;
  name: FieldName;
  options: string[];
}) {
  return (
    <Controller
      control={form.control}
      name={name}
      render={({ field: control }) => {
        const chosen = Array.isArray(control.value) ? control.value : [];
        return (
          <>
            {options.map((option) => (
              <label key={option} className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.includes(option)}
                  onChange={(e) =>
                    control.onChange(
                      e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option),
                    )
                  }
                />{' '}
                <UserText>{option}</UserText>
              </label>
            ))}
          </>
        );
      }}
    />
  );
}
