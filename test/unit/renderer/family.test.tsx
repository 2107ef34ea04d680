// @vitest-environment jsdom
/**
 * Issue 12 renderer parts: the device-family badge (short on a tile, full words in the details) and the
 * list of skipped steps with their reasons — a skip is always shown, never silent.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FamilyBadge } from '../../../renderer/src/components/FamilyBadge';
import { SkippedSteps } from '../../../renderer/src/components/SkippedSteps';
import type { Job } from '../../../shared/domain';
import { job } from './fakeStation';

afterEach(cleanup);

describe('FamilyBadge', () => {
  it.each([
    [undefined, 'v1', 'protocol v1 firmware'],
    ['as1', 'v1', 'protocol v1 firmware'],
    ['nrf91', 'nRF91', 'Nordic nRF91 modem (AT commands)'],
  ] as const)('family %s: badge %s on a tile, "%s" in the details', (family, badge, title) => {
    render(
      <>
        <FamilyBadge family={family} />
        <FamilyBadge family={family} long />
      </>,
    );
    const [short, long] = screen.getAllByTestId('family-badge');
    expect(short!.textContent).toBe(badge);
    expect(short!.getAttribute('title')).toBe(title);
    expect(short!.getAttribute('aria-hidden')).toBe('true');
    expect(long!.textContent).toBe(title);
    expect(long!.getAttribute('aria-hidden')).toBeNull();
    expect(long!.dataset.family).toBe(family ?? 'as1');
  });
});

describe('SkippedSteps', () => {
  const withSteps = (steps: Job['steps']) => job('j1', 'b1', { state: 'succeeded', steps });

  it('lists every skipped step with its reason, in step words, and nothing else', () => {
    render(
      <SkippedSteps
        job={withSteps([
          { name: 'identify', state: 'done', detail: 'ok' },
          {
            name: 'asset-token',
            state: 'skipped',
            detail: 'an nRF91 modem cannot sign station data, so it cannot sign an actor token',
          },
          {
            name: 'write-back',
            state: 'skipped',
            detail:
              'an nRF91 modem has no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI (external ID)',
          },
          { name: 'read-back', state: 'done' },
        ])}
      />,
    );
    const items = screen.getByTestId('bay-skipped').querySelectorAll('li');
    expect([...items].map((li) => li.textContent)).toEqual([
      'Asset token — an nRF91 modem cannot sign station data, so it cannot sign an actor token',
      'Write Asset ID — an nRF91 modem has no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI (external ID)',
    ]);
  });

  it('a skipped step without a recorded reason still shows, with a plain default', () => {
    render(<SkippedSteps job={withSteps([{ name: 'asset-token', state: 'skipped' }])} />);
    expect(screen.getByTestId('bay-skipped').textContent).toContain(
      'Asset token — not needed for this device',
    );
  });

  it('renders nothing when no step was skipped or there is no job', () => {
    const { container } = render(
      <>
        <SkippedSteps job={withSteps([{ name: 'identify', state: 'done' }])} />
        <SkippedSteps job={undefined} />
      </>,
    );
    expect(container.innerHTML).toBe('');
  });
});
