import { useId } from 'preact/hooks';
import { isMonthId, monthId, PERIOD_KINDS, type PeriodChoice, type PeriodKind } from '../period';

interface Props {
  readonly value: PeriodChoice;
  readonly onChange: (choice: PeriodChoice) => void;
  /** The kinds offered; all by default. */
  readonly kinds?: readonly PeriodKind[];
}

/** A period: a preset, or a month picked with a month input (a text field "YYYY-MM" where unsupported). */
export function PeriodPicker({ value, onChange, kinds }: Props) {
  const id = useId();
  const offered = PERIOD_KINDS.filter((k) => kinds === undefined || kinds.includes(k.kind));
  const thisMonth = monthId(new Date());
  const month = value.kind === 'month' ? value.month : thisMonth;
  return (
    <div class="field-group">
      <div class="field">
        <label for={`${id}-kind`}>Period</label>
        <select
          id={`${id}-kind`}
          value={value.kind}
          onChange={(e) => {
            const kind = e.currentTarget.value as PeriodKind;
            onChange(kind === 'month' ? { kind, month } : { kind });
          }}
        >
          {offered.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      {value.kind === 'month' && (
        <div class="field">
          <label for={`${id}-month`}>Month</label>
          <input
            id={`${id}-month`}
            type="month"
            value={value.month}
            max={thisMonth}
            pattern="\d{4}-\d{2}"
            placeholder="YYYY-MM"
            onChange={(e) => {
              const next = e.currentTarget.value;
              if (isMonthId(next)) onChange({ kind: 'month', month: next });
            }}
          />
        </div>
      )}
    </div>
  );
}
