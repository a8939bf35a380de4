import { type Control, Controller, type FieldPath, type FieldValues } from 'react-hook-form';
import { CheckboxGroup, type Choice } from '../../components/CheckboxGroup.js';

/** The members a shift or ring group rings: a box per volunteer, bound to the form's `userIds`. */
export function MemberCheckboxes<Input extends FieldValues & { userIds: string[] }, Output>({
  control,
  legend,
  volunteers,
}: {
  control: Control<Input, unknown, Output>;
  legend: string;
  volunteers: Choice[];
}) {
  return (
    <Controller
      control={control}
      name={'userIds' as FieldPath<Input>}
      render={({ field }) => (
        <CheckboxGroup
          legend={legend}
          choices={volunteers}
          value={field.value}
          onChange={field.onChange}
          className="checkbox-group columns"
        />
      )}
    />
  );
}
