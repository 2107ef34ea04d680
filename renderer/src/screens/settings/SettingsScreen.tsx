import { useCallback, useEffect, useState } from 'react';
import type { MethodResponse } from '../../../../shared/api';
import { KeyAlgorithm, type StationConfig } from '../../../../shared/domain';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { toPlainError, type PlainError } from '../../lib/errors';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import type { SignedIn } from '../signin/SignInScreen';
import { CaPanel } from './CaPanel';
import { FirstAdminPanel } from './FirstAdminPanel';
import { OrgPanel } from './OrgPanel';
import { formatProductMap, parseProductMap } from './productMap';
import { formatSecTag, parseSecTag } from './secTag';
import {
  APP_SETTINGS,
  ASSET_SETTINGS,
  JWT_SETTINGS,
  STATION_SETTINGS,
  SUBJECT_SETTINGS,
  type TextSetting,
} from './textSettings';

type Info = MethodResponse<'getStationInfo'>;

/**
 * Settings: station identity, org connection, CA, device profile and Asset field mapping. A signed-in
 * administrator saves as themselves (the role replaces the admin PIN: no PIN bar); on an open bench (no
 * operator accounts) saving needs the local admin PIN (setConfig's `adminPin`), and the first
 * administrator can be created here.
 */
export function SettingsScreen({
  operator,
  onSignedIn,
}: {
  /** The signed-in operator (undefined: an open bench). */
  operator?: SignedIn | undefined;
  /** Called when the first administrator was created and signed in. */
  onSignedIn?: (op: SignedIn) => void;
}) {
  const { api } = useStation();
  const byRole = operator?.role === 'admin';
  const [info, setInfo] = useState<Info | undefined>();
  const [saved, setSaved] = useState<StationConfig | undefined>();
  const [draft, setDraft] = useState<StationConfig | undefined>();
  const [productText, setProductText] = useState('');
  const [secTagText, setSecTagText] = useState('');
  const [loadError, setLoadError] = useState<PlainError | undefined>();
  const [adminPin, setAdminPin] = useState('');
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    api.getStationInfo({}).then(setInfo, () => undefined);
    api.getConfig({}).then(
      (c) => {
        setSaved(c);
        setDraft(c);
        setProductText(formatProductMap(c.salesforce.productByModel));
        setSecTagText(formatSecTag(c));
      },
      (e) => setLoadError(toPlainError(e)),
    );
  }, [api]);

  const edit = (fn: (c: StationConfig) => void) => {
    if (!draft) return;
    const next = structuredClone(draft);
    fn(next);
    setDraft(next);
    setNotice(undefined);
  };

  const save = useAsyncAction(
    useCallback(async () => {
      if (!draft) return;
      const products = parseProductMap(productText);
      if ('error' in products) {
        throw {
          code: 'CONFIG_INVALID',
          message: products.error,
          remedy: 'Write one "model = productId" per line.',
        };
      }
      const secTag = parseSecTag(secTagText);
      if ('error' in secTag) {
        throw {
          code: 'CONFIG_INVALID',
          message: secTag.error,
          remedy:
            'Enter a sec tag from 0 to 2147483647 (2024 unless your modems use another), then save again.',
        };
      }
      // Auto mode is switched on the Station screen; keep its current value, not the draft's.
      const current = await api.getConfig({});
      const config = {
        ...draft,
        autoMode: current.autoMode,
        device: { ...draft.device, nrf91SecTag: secTag.value },
        salesforce: { ...draft.salesforce, productByModel: products.map },
      };
      const result = await api.setConfig(byRole ? { config } : { config, adminPin });
      setSaved(result);
      setDraft(result);
      setProductText(formatProductMap(result.salesforce.productByModel));
      setSecTagText(formatSecTag(result));
      setAdminPin('');
      setNotice('Settings saved.');
    }, [api, adminPin, byRole, draft, productText, secTagText]),
  );

  const textFields = (settings: TextSetting[]) =>
    draft
      ? settings.map((s) => (
          <TextField
            key={s.name}
            label={s.label}
            name={s.name}
            mono={s.mono}
            hint={s.hint}
            value={s.read(draft) ?? ''}
            onChange={(v) => edit((c) => s.write(c, v))}
          />
        ))
      : null;

  const parsedProducts = parseProductMap(productText);
  const productError = 'error' in parsedProducts ? parsedProducts.error : undefined;

  const dirty =
    draft !== undefined &&
    saved !== undefined &&
    (JSON.stringify(draft) !== JSON.stringify(saved) ||
      productText !== formatProductMap(saved.salesforce.productByModel) ||
      secTagText !== formatSecTag(saved));
  const secTagParsed = parseSecTag(secTagText);

  return (
    <div className="screen settings-screen">
      <div className="settings-grid">
        <OrgPanel adminPin={adminPin} needsPin={!byRole && saved?.salesforce.authFlow === 'jwt'} />
        <CaPanel />
      </div>
      {!operator && onSignedIn ? <FirstAdminPanel onSignedIn={onSignedIn} /> : null}

      {loadError ? <ErrorNotice error={loadError} alert /> : null}

      {draft ? (
        <form
          className="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
          aria-label="Station settings"
        >
          <div className="settings-grid">
            <fieldset className="panel">
              <legend className="panel__title">Station</legend>
              {textFields(STATION_SETTINGS)}
              {info ? (
                <p className="muted">
                  Version {info.version} · {info.platform} · {info.transport} · home{' '}
                  <span className="mono">{info.home}</span>
                </p>
              ) : null}
            </fieldset>

            <fieldset className="panel">
              <legend className="panel__title">Device profile</legend>
              <SelectField
                label="Key algorithm"
                name="keyAlgorithm"
                value={draft.device.keyAlgorithm}
                onChange={(v) => edit((c) => void (c.device.keyAlgorithm = KeyAlgorithm.parse(v)))}
              >
                {KeyAlgorithm.options.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </SelectField>
              {textFields(SUBJECT_SETTINGS)}
              <TextField
                label="nRF91 sec tag"
                name="nrf91SecTag"
                mono
                inputMode="numeric"
                value={secTagText}
                hint="Credential slot the station writes on Nordic nRF91 modems, 0–2147483647 (default 2024)."
                error={'error' in secTagParsed ? secTagParsed.error : undefined}
                onChange={(v) => {
                  setSecTagText(v);
                  setNotice(undefined);
                }}
              />
            </fieldset>

            <fieldset className="panel">
              <legend className="panel__title">Asset field mapping</legend>
              {textFields(ASSET_SETTINGS)}
              <TextAreaField
                label="Product by model"
                name="productByModel"
                mono
                rows={3}
                value={productText}
                hint="One “model = Product2 Id” per line."
                error={productError}
                onChange={(v) => {
                  setProductText(v);
                  setNotice(undefined);
                }}
              />
            </fieldset>

            <fieldset className="panel">
              <legend className="panel__title">Org login</legend>
              {textFields(APP_SETTINGS)}
              <SelectField
                label="Login flow"
                name="authFlow"
                value={draft.salesforce.authFlow}
                onChange={(v) => edit((c) => void (c.salesforce.authFlow = v === 'jwt' ? 'jwt' : 'pkce'))}
              >
                <option value="pkce">Operator login in the browser (PKCE)</option>
                <option value="jwt">Unattended station (JWT bearer)</option>
              </SelectField>
              {textFields(JWT_SETTINGS)}
            </fieldset>
          </div>

          <div className="panel save-bar">
            {save.error ? (
              <div className="save-bar__error">
                <ErrorNotice error={save.error} alert onDismiss={save.clearError} />
              </div>
            ) : null}
            {byRole ? null : (
              <TextField
                label="Admin PIN"
                type="password"
                name="adminPin"
                inputMode="numeric"
                value={adminPin}
                onChange={setAdminPin}
              />
            )}
            <button
              type="submit"
              className="btn btn--primary"
              disabled={!dirty || (!byRole && adminPin.length < 4) || save.busy}
            >
              Save settings
            </button>
            <button
              type="button"
              className="btn"
              disabled={!dirty}
              onClick={() => {
                if (!saved) return;
                setDraft(saved);
                setProductText(formatProductMap(saved.salesforce.productByModel));
                setSecTagText(formatSecTag(saved));
              }}
            >
              Undo changes
            </button>
            <p className={notice ? 'saved-notice' : 'muted'} role="status">
              {notice ??
                (byRole
                  ? dirty
                    ? `Unsaved changes — saved as administrator ${operator.name}.`
                    : `Changes are saved as administrator ${operator.name}.`
                  : dirty
                    ? 'Unsaved changes — enter the admin PIN to save.'
                    : 'Changes need the admin PIN.')}
            </p>
          </div>
        </form>
      ) : null}
    </div>
  );
}
