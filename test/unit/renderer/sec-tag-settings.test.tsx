// @vitest-environment jsdom
/**
 * The nRF91 sec tag on the Settings screen: shown (default 2024), checked with the station's own schema
 * as it is typed (0–2147483647, Nordic %CMNG), never sent when out of range, and saved with the PIN.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Shell } from '../../../renderer/src/App';
import { parseSecTag } from '../../../renderer/src/screens/settings/secTag';
import { fakeConfig, fakeStation } from './fakeStation';

afterEach(cleanup);

describe('parseSecTag', () => {
  it.each([
    ['0', 0],
    ['2024', 2024],
    [' 4242 ', 4242],
    ['2147483647', 2147483647],
  ])('accepts %j', (text, value) => expect(parseSecTag(text)).toEqual({ value }));

  it.each([
    ['', /whole number from 0 to 2147483647/],
    ['abc', /whole number/],
    ['12a', /whole number/],
    ['-1', /out of range: an nRF91 sec tag is 0 or more/],
    ['2147483648', /out of range: an nRF91 sec tag is at most 2147483647 \(larger ones are reserved/],
    ['1.5', /out of range: an nRF91 sec tag is a whole number/],
  ])('refuses %j in words', (text, msg) => {
    const r = parseSecTag(text);
    expect('error' in r && r.error).toMatch(msg);
  });
});

describe('Settings: nRF91 sec tag', () => {
  it('shows the default, refuses a reserved value without calling the station, saves a valid one', async () => {
    const fake = fakeStation({ setConfig: async ({ config }) => config });
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    const field = await screen.findByRole('textbox', { name: 'nRF91 sec tag' });
    expect(field).toHaveProperty('value', String(fakeConfig.device.nrf91SecTag ?? 2024));

    fireEvent.change(field, { target: { value: '2147483648' } });
    expect(screen.getByText(/larger ones are reserved for the modem/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Admin PIN'), { target: { value: '2468' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter a sec tag from 0 to 2147483647');
    expect(fake.callsOf('setConfig')).toHaveLength(0);

    fireEvent.change(field, { target: { value: '4242' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Settings saved.');
    const last = fake.callsOf('setConfig').at(-1) as { config: typeof fakeConfig };
    expect(last.config.device.nrf91SecTag).toBe(4242);
    await waitFor(() => expect(field).toHaveProperty('value', '4242'));
  });
});
