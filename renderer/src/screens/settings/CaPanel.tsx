import { useCallback } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { formatDateTime, shortFingerprint } from '../../lib/format';
import { useStation } from '../../state/StationContext';
import { useLoad } from '../../state/useAsync';

/** Days before the issuing CA expires from which the screen warns. */
export const CA_EXPIRY_WARNING_DAYS = 30;

/** The expiry message for `days` left (negative = expired), or undefined when no warning is due. */
export function caExpiryWarning(
  days: number | undefined,
): { tone: 'fail' | 'warn'; text: string } | undefined {
  if (days === undefined) return undefined;
  if (days < 0)
    return {
      tone: 'fail',
      text: `The issuing CA expired ${Math.abs(Math.round(days))} days ago. Devices cannot be provisioned: renew or import a new CA.`,
    };
  if (days <= CA_EXPIRY_WARNING_DAYS)
    return {
      tone: 'warn',
      text: `The issuing CA expires in ${Math.round(days)} days. Plan its renewal now.`,
    };
  return undefined;
}

/** The station CA: chain (issuing first) and an expiry warning. */
export function CaPanel() {
  const { api } = useStation();
  const { value: info, error } = useLoad(useCallback(() => api.getCaInfo({}), [api]));
  const warning = caExpiryWarning(info?.expiresInDays);

  return (
    <Panel title="Certificate authority" testId="ca-panel">
      {error ? <ErrorNotice error={error} /> : null}
      {info && !info.initialised ? (
        <p className="state-line state-line--fail">
          <span aria-hidden="true">✗</span> No CA is set up on this station. Initialise or import one (see
          docs/operations.md).
        </p>
      ) : null}
      {warning ? (
        <p className={`state-line state-line--${warning.tone}`} role="status" data-testid="ca-expiry">
          <span aria-hidden="true">!</span> {warning.text}
        </p>
      ) : info?.initialised && info.expiresInDays !== undefined ? (
        <p className="state-line state-line--pass" data-testid="ca-expiry">
          <span aria-hidden="true">✓</span> Issuing CA valid for {Math.round(info.expiresInDays)} more days.
        </p>
      ) : null}
      {info && info.chain.length > 0 ? (
        <ol className="chain">
          {info.chain.map((c, i) => (
            <li key={c.fingerprint} className="chain__cert">
              <p className="chain__role">
                {i === 0 ? 'Issuing CA' : i === info.chain.length - 1 ? 'Root CA' : 'Intermediate CA'}
              </p>
              <dl className="facts facts--compact">
                <dt>Subject</dt>
                <dd>{c.subject}</dd>
                <dt>Valid</dt>
                <dd>
                  {formatDateTime(c.notBefore)} → {formatDateTime(c.notAfter)}
                </dd>
                <dt>Key</dt>
                <dd>{c.keyAlgorithm}</dd>
                <dt>SHA-256</dt>
                <dd className="mono" title={c.fingerprint}>
                  {shortFingerprint(c.fingerprint)}
                </dd>
              </dl>
            </li>
          ))}
        </ol>
      ) : null}
    </Panel>
  );
}
