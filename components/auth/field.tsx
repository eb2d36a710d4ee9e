interface FieldProps extends React.ComponentProps<"input"> {
  label: string;
  name: string;
  errors?: string[];
}

/** A labelled input whose errors are announced and tied to it with aria-describedby. */
export function Field({ label, name, errors, ...input }: FieldProps) {
  const errorId = `${name}-error`;
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <label htmlFor={name} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={name}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? errorId : undefined}
        className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 aria-[invalid=true]:border-red-500"
        {...input}
      />
      {invalid && (
        <p id={errorId} role="alert" className="text-sm text-red-600">
          {errors!.join(" ")}
        </p>
      )}
    </div>
  );
}
