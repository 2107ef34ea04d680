import { useEffect, useState } from 'react';
import type { StationApi } from '../../shared/api';
import { getStation } from './station';

/** Root component: connects to the station and shows its identity. */
export function App() {
  const [station, setStation] = useState<StationApi | undefined>();
  const [info, setInfo] = useState<string>('Connecting to the station…');
  useEffect(() => {
    getStation()
      .then(async (api) => {
        setStation(api);
        const i = await api.getStationInfo({});
        setInfo(`${i.stationId} · v${i.version} · ${i.transport}`);
      })
      .catch((e: Error) => setInfo(e.message));
  }, []);
  return (
    <main>
      <h1>Asset Station</h1>
      <p data-testid="station-info">{info}</p>
      {station ? null : null}
    </main>
  );
}
