import { useCallback, useEffect, useState } from 'react';
import type { StationApi } from '../../shared/api';
import { ErrorNotice } from './components/ErrorNotice';
import { toPlainError, type PlainError } from './lib/errors';
import { useAltHotkeys } from './lib/useHotkeys';
import { HistoryScreen } from './screens/history/HistoryScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import type { JobInputValues } from './screens/station/JobInputs';
import { StationScreen } from './screens/station/StationScreen';
import { VerifyScreen } from './screens/verify/VerifyScreen';
import { StationProvider } from './state/StationContext';
import { getStation, onStationLost } from './station';

/** The four screens, in navigation order (Alt+1 … Alt+4). */
export const SCREENS = [
  { id: 'station', label: 'Station' },
  { id: 'verify', label: 'Verify' },
  { id: 'history', label: 'History' },
  { id: 'settings', label: 'Settings' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

/** The connected shell: header, screen navigation and the active screen. */
export function Shell({ api, stationId }: { api: StationApi; stationId?: string }) {
  const [screen, setScreen] = useState<ScreenId>('station');
  const [inputs, setInputs] = useState<JobInputValues>({ workOrder: '', accountId: '' });
  const go = useCallback((id: ScreenId) => {
    setScreen(id);
    // Move focus to the new screen's heading so keyboard users land at its top.
    requestAnimationFrame(() => document.getElementById('screen-title')?.focus());
  }, []);
  useAltHotkeys({
    Digit1: () => go('station'),
    Digit2: () => go('verify'),
    Digit3: () => go('history'),
    Digit4: () => go('settings'),
  });
  const current = SCREENS.find((s) => s.id === screen)!;

  return (
    <StationProvider api={api}>
      <header className="app-header">
        <p className="app-header__brand">Asset Station</p>
        <nav className="app-nav" aria-label="Screens">
          {SCREENS.map((s, i) => (
            <button
              key={s.id}
              type="button"
              className="app-nav__item"
              aria-current={s.id === screen ? 'page' : undefined}
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
      </header>
      <main className="app-main" aria-labelledby="screen-title">
        <h1 id="screen-title" className="screen-title" tabIndex={-1}>
          {current.label}
        </h1>
        {screen === 'station' ? <StationScreen inputs={inputs} onInputsChange={setInputs} /> : null}
        {screen === 'verify' ? <VerifyScreen /> : null}
        {screen === 'history' ? <HistoryScreen /> : null}
        {screen === 'settings' ? <SettingsScreen /> : null}
      </main>
    </StationProvider>
  );
}

/** Root component: connects to the station, then shows the shell (or why it cannot connect). */
export function App() {
  const [api, setApi] = useState<StationApi | undefined>();
  const [stationId, setStationId] = useState<string | undefined>();
  const [error, setError] = useState<PlainError | undefined>();
  const [lost, setLost] = useState(false);

  useEffect(() => {
    const off = onStationLost(() => setLost(true));
    getStation()
      .then(async (station) => {
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
        <Shell api={api} stationId={stationId} />
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
