/** Prop shapes many components share. */

/** A control that shows a value and reports the member's new one, as an input's value and onChange. */
export interface Controlled<T> {
  value: T;
  onChange: (value: T) => void;
}

/** How a form that edits one record (or makes a new one) ends: saved, or cancelled. */
export interface FormEnd {
  onDone: () => void;
  onCancel: () => void;
}
