// @vitest-environment jsdom
/**
 * Renderer component tests against a typed in-memory StationApi double (fakeStation.ts): the screens
 * call the right methods with the right arguments and show outcomes and remedies from events.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Shell } from '../../../renderer/src/App';
import { StationError } from '../../../shared/errors';
import { bay, fakeConfig, fakeStation, job } from './fakeStation';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function scan(code: string) {
  for (const key of code) fireEvent.keyDown(window, { key });
  fireEvent.keyDown(window, { key: 'Enter' });
}

function cardOf(uid: string): HTMLElement {
  const card = screen.getAllByTestId('bay-card').find((c) => c.dataset.uid === uid);
  if (!card) throw new Error(`no card for ${uid}`);
  return card;
}

describe('Station screen', () => {
  it('fills job inputs from scans and starts a bay with them; events drive the card to PASSED', async () => {
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1'), bay('b2', 'UID-2')],
      startJob: async (req) => job('j1', req.bayId, { inputs: req.inputs ?? {} }),
      findAccount: async (req) => ({ found: true, id: req.accountId, name: 'Acme Devices Ltd' }),
    });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-1');

    scan('WO-4711');
    scan('001000000000001AAA');
    expect(screen.getByRole('textbox', { name: 'Work order' })).toHaveProperty('value', 'WO-4711');
    // The Account Id is looked up in the org and used once found, with the customer's name shown.
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: 'Account Id' })).toHaveProperty(
        'value',
        '001000000000001AAA',
      ),
    );
    expect(fake.callsOf('findAccount')).toEqual([{ accountId: '001000000000001AAA' }]);
    expect(screen.getByTestId('account-name').textContent).toContain('Acme Devices Ltd');

    fireEvent.click(within(cardOf('UID-1')).getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('startJob')).toHaveLength(1));
    expect(fake.callsOf('startJob')[0]).toEqual({
      bayId: 'b1',
      kind: 'provision',
      inputs: { workOrder: 'WO-4711', accountId: '001000000000001AAA' },
    });
    await waitFor(() =>
      expect(within(cardOf('UID-1')).getByTestId('bay-headline').textContent).toContain('WORKING'),
    );
    expect(within(cardOf('UID-1')).getByTestId('bay-step').textContent).toBe(
      'Step 2 of 4: Generate key on device',
    );

    act(() => {
      fake.emit(
        'job',
        job('j1', 'b1', {
          state: 'succeeded',
          endedAt: new Date().toISOString(),
          steps: [{ name: 'identify', state: 'done' }],
        }),
      );
      fake.emit('batch', { succeeded: 1, failed: 0 });
    });
    // Events are applied on the next animation frame (state/frameQueue.ts), both in one update.
    await waitFor(() =>
      expect(within(cardOf('UID-1')).getByTestId('bay-headline').textContent).toContain('PASSED'),
    );
    expect(screen.getByTestId('batch-banner').textContent).toContain('1 passed, 0 failed');
  });

  it('a lot typed beside the work order goes into the job inputs as `lot`; Clear inputs empties it', async () => {
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1')],
      startJob: async (req) => job('j1', req.bayId, { inputs: req.inputs ?? {} }),
    });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-1');
    fireEvent.change(screen.getByRole('textbox', { name: 'Work order' }), { target: { value: 'WO-5' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Lot' }), { target: { value: ' LOT-12 ' } });
    fireEvent.click(within(cardOf('UID-1')).getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('startJob')).toHaveLength(1));
    expect(fake.callsOf('startJob')[0]).toEqual({
      bayId: 'b1',
      kind: 'provision',
      inputs: { workOrder: 'WO-5', lot: 'LOT-12' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Clear inputs' }));
    expect(screen.getByRole('textbox', { name: 'Lot' })).toHaveProperty('value', '');
  });

  it('a scan ending with Enter does not press the focused button', async () => {
    const fake = fakeStation({ listBays: async () => [bay('b1', 'UID-1')] });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-1');
    const start = within(cardOf('UID-1')).getByRole('button', { name: 'Start' });
    start.focus();
    const clicked = vi.fn();
    start.addEventListener('click', clicked);
    scan('WO-1');
    scan('WO-2222');
    expect(screen.getByRole('textbox', { name: 'Work order' })).toHaveProperty('value', 'WO-2222');
    expect(fake.callsOf('startJob')).toHaveLength(0);
  });

  it('a device UID scan starts its bay; an unknown scan changes nothing and says so', async () => {
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1'), bay('b2', 'UID-2')],
      startJob: async ({ bayId }) => job('j1', bayId),
    });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-2');
    scan('UID-2');
    await waitFor(() => expect(fake.callsOf('startJob')).toEqual([{ bayId: 'b2', kind: 'provision' }]));
    expect(screen.getByTestId('scan-status').textContent).toContain('Scanned device UID-2: Bay 2, starting.');
    scan('ZZ-NOT-A-THING');
    expect(screen.getByTestId('scan-status').textContent).toContain('Not recognised: ZZ-NOT-A-THING');
    expect(screen.getByRole('textbox', { name: 'Work order' })).toHaveProperty('value', '');
    expect(fake.callsOf('startJob')).toHaveLength(1);
  });

  it('shows a failure with its remedy and offers Retry', async () => {
    const error = {
      code: 'DEVICE_PORT_VANISHED' as const,
      message: 'The device on bay b1 disappeared during keygen.',
      remedy: 'Plug the device back in; the job resumes from its last finished step.',
    };
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1', { status: 'failed', jobId: 'j9' })],
      getJob: async () =>
        job('j9', 'b1', { state: 'failed', error, steps: [{ name: 'keygen', state: 'failed', error }] }),
      retryJob: async ({ jobId }) => job(jobId, 'b1'),
    });
    render(<Shell api={fake.api} />);
    const card = await waitFor(() => cardOf('UID-1'));
    await waitFor(() => expect(within(card).getByTestId('bay-headline').textContent).toContain('FAILED'));
    expect(within(card).getByTestId('remedy').textContent).toContain(error.remedy);
    // Its failure class, in capitals, above the message.
    expect(within(card).getByTestId('failure-class').textContent).toBe('UNPLUGGED');
    // Repeated at the top of the screen, with a jump to the card's Retry.
    expect(screen.getByTestId('attention').textContent).toContain(error.remedy);
    fireEvent.click(screen.getByRole('button', { name: 'Go to bay 1' }));
    expect(document.activeElement?.textContent).toBe('Retry');
    fireEvent.click(within(card).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(fake.callsOf('retryJob')).toEqual([{ jobId: 'j9' }]));
  });

  it('a NOT RESPONDING bay names its port once (short, in the header), not the long path in the text', async () => {
    const locator = 'serial:/tmp/as-e2e-bench-Y6rzi1/sim/devices/SIM-0003';
    const error = {
      code: 'DEVICE_TIMEOUT' as const,
      message: `No device answered on ${locator} (tried protocol v1 firmware, Nordic nRF91 modem (AT commands)).`,
      remedy: `Check the device on ${locator}, then retry.`,
    };
    const fake = fakeStation({
      listBays: async () => [{ ...bay('b3', undefined, { status: 'failed', error }), locator }],
    });
    render(<Shell api={fake.api} />);
    const card = await waitFor(() => cardOf(''));
    await waitFor(() => expect(within(card).getByTestId('failure-class').textContent).toBe('NOT RESPONDING'));
    expect(card.textContent).not.toContain('/tmp/as-e2e-bench');
    expect(card.textContent!.split('…/SIM-0003')).toHaveLength(2); // once, in the header
    expect(within(card).getByTestId('bay-error').textContent).toContain(
      "No device answered on this bay's port (tried protocol v1 firmware",
    );
    const attention = screen.getByTestId('attention');
    expect(attention.textContent).toContain('Bay 1 · serial: …/SIM-0003');
    expect(attention.textContent).not.toContain('/tmp/as-e2e-bench');
  });

  it('shows why an action failed, in plain words', async () => {
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1')],
      startJob: async () => {
        throw new StationError(
          'ORG_NOT_CONNECTED',
          'The station is not connected to Salesforce.',
          'Log in on the Settings screen.',
        );
      },
    });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-1');
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    // (The station log under the cards may raise its own alert: this fake has no listLog.)
    const alert = await waitFor(() => {
      const found = screen.getAllByRole('alert').find((a) => a.textContent?.includes('Salesforce'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(alert.textContent).toContain('not connected to Salesforce');
    expect(alert.textContent).toContain('Log in on the Settings screen.');
  });

  it('toggles auto mode with Alt+A and the button', async () => {
    const fake = fakeStation({ setAutoMode: async ({ enabled }) => ({ enabled }) });
    render(<Shell api={fake.api} />);
    const toggle = await screen.findByRole('button', { name: /Auto mode: OFF/ });
    fireEvent.keyDown(window, { key: 'a', code: 'KeyA', altKey: true });
    await waitFor(() => expect(toggle.getAttribute('aria-pressed')).toBe('true'));
    expect(fake.callsOf('setAutoMode')).toEqual([{ enabled: true }]);
  });
});

describe('other screens', () => {
  it('Verify lists each check and exports the report', async () => {
    const fake = fakeStation({
      listBays: async () => [bay('b1', 'UID-1')],
      verifyDevice: async () => ({
        jobId: 'v1',
        deviceUid: 'UID-1',
        passed: false,
        at: '2026-11-29T10:00:00.000Z',
        checks: [
          { name: 'chain', passed: true, detail: 'chains to station CA' },
          { name: 'challenge', passed: false, detail: 'signature does not match the certificate key' },
        ],
      }),
    });
    const createUrl = vi.fn(() => 'blob:x');
    Object.assign(URL, { createObjectURL: createUrl, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<Shell api={fake.api} />);
    fireEvent.keyDown(window, { key: '2', code: 'Digit2', altKey: true });
    await screen.findByRole('option', { name: /UID-1/ });
    fireEvent.click(screen.getByRole('button', { name: 'Run verification' }));
    expect((await screen.findByTestId('verify-verdict')).textContent).toContain('VERIFICATION FAILED');
    expect(fake.callsOf('verifyDevice')).toEqual([{ bayId: 'b1' }]);
    const checks = screen.getAllByTestId('verify-check');
    expect(checks.map((c) => c.dataset.passed)).toEqual(['true', 'false']);
    expect(checks[1]!.textContent).toContain('signature does not match');
    fireEvent.click(screen.getByRole('button', { name: 'Export report (JSON)' }));
    expect(createUrl).toHaveBeenCalledTimes(1);
    expect(click).toHaveBeenCalledTimes(1);
  });

  it('History filters go to listRecords, a record opens its timeline, CSV export downloads', async () => {
    const rec = {
      jobId: 'j1',
      kind: 'provision' as const,
      deviceUid: 'UID-1',
      assetId: '02i000000000001',
      outcome: 'succeeded' as const,
      startedAt: '2026-11-29T10:00:00.000Z',
      durationMs: 4200,
      stationId: 'bench-7',
    };
    const fake = fakeStation({
      listRecords: async () => [rec],
      getRecord: async () => ({
        record: rec,
        steps: [{ name: 'identify', state: 'done', detail: 'SIM-1 fw 1.0.0' }],
      }),
      exportRecords: async () => ({ filename: 'r.csv', mimeType: 'text/csv', content: 'jobId\nj1\n' }),
    });
    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:y'), revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /History/ }));
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'UID-1' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Outcome' }), { target: { value: 'succeeded' } });
    await waitFor(() =>
      expect(fake.callsOf('listRecords').at(-1)).toEqual({ text: 'UID-1', outcome: 'succeeded', limit: 500 }),
    );
    fireEvent.click(await screen.findByRole('button', { name: /Show timeline of provision job for UID-1/ }));
    expect((await screen.findByTestId('step-timeline')).textContent).toContain('SIM-1 fw 1.0.0');
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(fake.callsOf('exportRecords')[0]).toMatchObject({
      format: 'csv',
      filter: { text: 'UID-1', outcome: 'succeeded' },
    });
  });

  it('Settings saves only with the admin PIN and explains a wrong PIN', async () => {
    const fake = fakeStation({
      setConfig: async ({ adminPin, config }) => {
        if (adminPin !== '2468')
          throw new StationError(
            'UNAUTHORIZED',
            'The admin PIN is not correct.',
            'Enter the station admin PIN.',
          );
        return config;
      },
    });
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    const cn = await screen.findByRole('textbox', { name: 'Subject CN' });
    fireEvent.change(cn, { target: { value: 'dev-{uid}' } });
    const save = screen.getByRole('button', { name: 'Save settings' });
    expect(save).toHaveProperty('disabled', true);
    const pin = screen.getByLabelText('Admin PIN');
    fireEvent.change(pin, { target: { value: '1111' } });
    fireEvent.click(save);
    expect((await screen.findByRole('alert')).textContent).toContain('Enter the station admin PIN.');
    fireEvent.change(pin, { target: { value: '2468' } });
    fireEvent.click(save);
    await screen.findByText('Settings saved.');
    const last = fake.callsOf('setConfig').at(-1) as { config: typeof fakeConfig; adminPin: string };
    expect(last.adminPin).toBe('2468');
    expect(last.config.device.subject.CN).toBe('dev-{uid}');
    expect(last.config.salesforce.productByModel).toEqual(fakeConfig.salesforce.productByModel);
  });

  it('an older core without a method shows its message and remedy instead of crashing', async () => {
    const fake = fakeStation({ getOrgStatus: undefined });
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    const panel = await screen.findByTestId('org-panel');
    await waitFor(() =>
      expect(within(panel).getByTestId('remedy').textContent).toContain('Update the station.'),
    );
  });
});

describe('adding a device by address', () => {
  it('refuses a malformed address with a remedy and attaches a valid one', async () => {
    const fake = fakeStation({
      listSerialPorts: async () => [
        { path: '/dev/ttyUSB0', locator: 'serial:/dev/ttyUSB0', manufacturer: 'FTDI' },
      ],
      attachBay: async ({ locator }) => bay('b9', 'UID-9', { locator }),
    });
    render(<Shell api={fake.api} />);
    fireEvent.click(await screen.findByText('Add a device by port or network address'));
    const input = screen.getByRole('combobox', { name: 'Device address' });
    fireEvent.change(input, { target: { value: 'ttyUSB0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add device' }));
    expect((await screen.findByRole('alert')).textContent).toContain('type tcp:HOST:PORT');
    expect(fake.callsOf('attachBay')).toHaveLength(0);
    fireEvent.change(input, { target: { value: 'tcp:10.0.0.5:4001' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add device' }));
    await screen.findByText('Added SIM-1 UID-9.');
    expect(fake.callsOf('attachBay')).toEqual([{ locator: 'tcp:10.0.0.5:4001' }]);
    expect(cardOf('UID-9')).toBeTruthy();
  });
});

describe('form fields', () => {
  /** The texts of the elements a control's aria-describedby names. */
  const description = (el: HTMLElement) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? `(missing #${id})`);

  /** Every control on the screen has exactly one label, a unique id and no dangling description. */
  function expectEveryControlLabelled(expected: number) {
    const controls = [...document.querySelectorAll<HTMLElement>('input, select, textarea')];
    expect(controls.length).toBe(expected);
    for (const c of controls) {
      const el = c as HTMLInputElement;
      expect(el.labels?.length, `${el.name} has one label`).toBe(1);
      expect(document.querySelectorAll(`[id="${el.id}"]`).length, `${el.name} id is unique`).toBe(1);
      for (const d of description(el)) expect(d).not.toMatch(/^\(missing/);
    }
  }

  it('every control of the Station, Verify, History and Settings screens is labelled', async () => {
    const fake = fakeStation({ listBays: async () => [bay('b1', 'UID-1')] });
    render(<Shell api={fake.api} />);
    await screen.findByText('UID-1');
    fireEvent.click(screen.getByText('Add a device by port or network address'));
    // work order, lot, Account Id, device address; bench settings: work-order pattern, tone, auto-print;
    // station log: level, bay, search
    expectEveryControlLabelled(10);
    fireEvent.click(screen.getByRole('button', { name: /Verify/ }));
    await screen.findByRole('combobox', { name: 'Bay' });
    expectEveryControlLabelled(1);
    fireEvent.click(screen.getByRole('button', { name: /History/ }));
    await screen.findByRole('searchbox', { name: 'Search' });
    expectEveryControlLabelled(6);
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    await screen.findByRole('textbox', { name: 'Subject CN' });
    // with the label printer, the nRF91 sec tag (issue 12), and on this open bench the first-administrator
    // form (login, name, PIN)
    expectEveryControlLabelled(21);
  });

  it('a hint describes its control; a bad value is marked invalid and says what is wrong', async () => {
    const fake = fakeStation({});
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    expect(description(await screen.findByRole('textbox', { name: 'Subject CN' }))).toEqual([
      '{uid} and {model} are replaced per device.',
    ]);
    const products = screen.getByRole('textbox', { name: 'Product by model' });
    expect(products.getAttribute('aria-invalid')).toBeNull();
    expect(description(products)).toEqual(['One “model = Product2 Id” per line.']);
    fireEvent.change(products, { target: { value: 'SIM-1 = 01t000000000001AAA\nbroken' } });
    expect(products.getAttribute('aria-invalid')).toBe('true');
    expect(description(products)).toEqual([
      'One “model = Product2 Id” per line.',
      'Line 2 is not "model = productId": broken',
    ]);
    fireEvent.change(products, { target: { value: 'SIM-1 = 01t000000000001AAA' } });
    expect(products.getAttribute('aria-invalid')).toBeNull();
    expect(description(products)).toHaveLength(1);
  });
});
