import { useCallback, useEffect, useState } from 'react';
import type { StationApi } from '../../shared/api';
import { ErrorNotice } from './components/ErrorNotice';
import { toPlainError, type PlainError } from './lib/errors';
import { useAltHotkeys } from './lib/useHotkeys';
import { HistoryScreen } from './screens/history/HistoryScreen';
import { OnboardScreen } from './screens/onboard/OnboardScreen';
import { LotsScreen } from './screens/qa/LotsScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { roleName, screenVisible, type ScreenId } from './screens/signin/access';
import { SignInScreen, type SignedIn } from './screens/signin/SignInScreen';
import type { JobInputValues } from './screens/station/JobInputs';
import { StationScreen } from './screens/station/StationScreen';
import { VerifyScreen } from './screens/verify/VerifyScreen';
import { StationProvider } from './state/StationContext';
import { getStation, onStationLost } from './station';

/** The screens, in navigation order (Alt+1 … for the ones the operator's role sees). */
export const SCREENS = [
  { id: 'station', label: 'Station' },
  { id: 'verify', label: 'Verify' },
  { id: 'history', label: 'History' },
  { id: 'settings', label: 'Settings' },
  { id: 'onboard', label: 'Onboard' },
  { id: 'lots', label: 'Lots' },
] as const satisfies ReadonlyArray<{ id: ScreenId; label: string }>;
export type { ScreenId };

/** Who is signed in, and whether the station has operator accounts (then signing in is required). */
export type Session = { operator: SignedIn | null; signInRequired: boolean };

/** An open bench: no operator accounts, every screen shown (the core still checks each call). */
const OPEN_BENCH: Session = { operator: null, signInRequired: false };

/** Asks the core who is signed in (an older core without operator accounts: an open bench). */
export function loadSession(api: StationApi): Promise<Session> {
  return api.getOperator({}).then(
    (r) => ({ operator: r.operator, signInRequired: r.signInRequired ?? false }),
    () => OPEN_BENCH,
  );
}

/**
 * The connected shell: shows the sign-in screen while the station has operator accounts and nobody is
 * signed in, else the workspace with the screens the operator's role sees. `session` is what
 * {@link loadSession} said when the window connected.
 */
export function Shell({
  api,
  stationId,
  session: initial = OPEN_BENCH,
}: {
  api: StationApi;
  stationId?: string | undefined;
  session?: Session;
}) {
  const [session, setSession] = useState<Session>(initial);
  const signOut = useCallback(() => {
    void api.signOut({}).finally(() => setSession({ operator: null, signInRequired: true }));
  }, [api]);
  const onSignedIn = useCallback((operator: SignedIn) => setSession({ operator, signInRequired: true }), []);
  if (session.signInRequired && !session.operator)
    return (
      <>
        <header className="app-header">
          <p className="app-header__brand">Asset Station</p>
          <p className="app-header__station" data-testid="station-info">
            {stationId ?? ''}
          </p>
        </header>
        <main className="app-main app-main--center" aria-labelledby="screen-title">
          <h1 id="screen-title" className="screen-title" tabIndex={-1}>
            Sign in
          </h1>
          <SignInScreen api={api} onSignedIn={onSignedIn} />
        </main>
      </>
    );
  return (
    <Workspace
      key={session.operator?.login ?? ''}
      api={api}
      stationId={stationId}
      operator={session.operator ?? undefined}
      onSignOut={signOut}
      onSignedIn={onSignedIn}
    />
  );
}

/** The header, the navigation of the screens `operator`'s role sees, and the active screen. */
function Workspace({
  api,
  stationId,
  operator,
  onSignOut,
  onSignedIn,
}: {
  api: StationApi;
  stationId?: string | undefined;
  operator?: SignedIn | undefined;
  onSignOut: () => void;
  /** The first administrator was created on an open bench and signed in (Settings). */
  onSignedIn: (op: SignedIn) => void;
}) {
  const screens = SCREENS.filter((s) => screenVisible(s.id, operator?.role));
  const [screen, setScreen] = useState<ScreenId>(screens[0]?.id ?? 'history');
  const [inputs, setInputs] = useState<JobInputValues>({ workOrder: '', lot: '', accountId: '' });
  const go = useCallback((id: ScreenId) => {
    setScreen(id);
    // Move focus to the new screen's heading so keyboard users land at its top.
    requestAnimationFrame(() => document.getElementById('screen-title')?.focus());
  }, []);
  useAltHotkeys(Object.fromEntries(screens.map((s, i) => [`Digit${i + 1}`, () => go(s.id)])));
  const current = screens.find((s) => s.id === screen) ?? screens[0]!;

  return (
    <StationProvider api={api}>
      <header className="app-header">
        <p className="app-header__brand">Asset Station</p>
        <nav className="app-nav" aria-label="Screens">
          {screens.map((s, i) => (
            <button
              key={s.id}
              type="button"
              className="app-nav__item"
              aria-current={s.id === current.id ? 'page' : undefined}
              aria-keyshortcuts={`Alt+${i + 1}`}
              onClick={() => go(s.id)}
            >
              {s.label}
              <span className="app-nav__key" aria-hidden="true">
                Alt+{i + 1}
              </span>
            </button>
          ))}
        </nav>
        <p className="app-header__station" data-testid="station-info">
          {stationId ?? ''}
        </p>
        {operator ? (
          <p className="app-header__operator" data-testid="operator">
            {operator.name} · {roleName(operator.role)}
            <button type="button" className="btn btn--quiet app-header__signout" onClick={onSignOut}>
              Sign out
            </button>
          </p>
        ) : null}
      </header>
      <main className="app-main" aria-labelledby="screen-title">
        <h1 id="screen-title" className="screen-title" tabIndex={-1}>
          {current.label}
        </h1>
        {current.id === 'station' ? <StationScreen inputs={inputs} onInputsChange={setInputs} /> : null}
        {current.id === 'verify' ? <VerifyScreen /> : null}
        {current.id === 'onboard' ? <OnboardScreen /> : null}
        {current.id === 'lots' ? <LotsScreen /> : null}
        {current.id === 'history' ? <HistoryScreen /> : null}
        {current.id === 'settings' ? <SettingsScreen operator={operator} onSignedIn={onSignedIn} /> : null}
      </main>
    </StationProvider>
  );
}

/** Root component: connects to the station, then shows the shell (or why it cannot connect). */
export function App() {
  const [api, setApi] = useState<StationApi | undefined>();
  const [stationId, setStationId] = useState<string | undefined>();
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<PlainError | undefined>();
  const [lost, setLost] = useState(false);

  useEffect(() => {
    const off = onStationLost(() => setLost(true));
    getStation()
      .then(async (station) => {
        setSession(await loadSession(station)); // never throws
        setApi(station);
        const info = await station.getStationInfo({});
        setStationId(info.stationId);
      })
      .catch((e: unknown) => {
        const plain = toPlainError(e);
        setError(
          plain.code === 'UNEXPECTED'
            ? {
                ...plain,
                remedy:
                  'Open the station link again (the URL printed by `npm run dev:web`), or restart the station.',
              }
            : plain,
        );
      });
    return off;
  }, []);

  return (
    <>
      {lost ? (
        <div className="banner banner--fail banner--top" role="alert">
          <p>
            Lost the connection to the station core. Jobs keep running in the core; reload this window to see
            them again.
          </p>
          <button type="button" className="btn" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      ) : null}
      {api ? (
        <Shell api={api} stationId={stationId} {...(session ? { session } : {})} />
      ) : error ? (
        <main className="app-main app-main--center">
          <h1 className="screen-title">Asset Station</h1>
          <ErrorNotice error={error} alert />
        </main>
      ) : (
        <main className="app-main app-main--center">
          <h1 className="screen-title">Asset Station</h1>
          <p role="status">Connecting to the station…</p>
        </main>
      )}
    </>
  );
}
