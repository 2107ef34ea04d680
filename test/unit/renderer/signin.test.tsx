// @vitest-environment jsdom
/**
 * Sign-in and role-aware navigation: with operator accounts the window shows only the sign-in form
 * until the core accepts a login; a wrong PIN shows the core's message and remedy; each role sees only
 * its screens (a technician never sees Settings); signing out returns to the form.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Shell, loadSession } from '../../../renderer/src/App';
import { SCREEN_ROLES, screenVisible } from '../../../renderer/src/screens/signin/access';
import { StationError } from '../../../shared/errors';
import { fakeStation } from './fakeStation';

afterEach(cleanup);

const navNames = () =>
  screen
    .getAllByRole('button')
    .filter((b) => b.classList.contains('app-nav__item'))
    .map((b) => b.textContent?.replace(/Alt\+\d/, '').trim());

describe('sign-in', () => {
  it('shows only the form until the core accepts the login; a wrong PIN explains itself', async () => {
    const fake = fakeStation({
      signIn: async (req) => {
        if (req.secret !== '1357')
          throw new StationError(
            'UNAUTHORIZED',
            'The login or PIN is not correct.',
            'Check your login and PIN, or ask the station administrator.',
          );
        return { login: req.login, name: 'Tom Tech', role: 'technician' };
      },
      signOut: async () => ({ operator: null }),
    });
    render(<Shell api={fake.api} session={{ operator: null, signInRequired: true }} />);
    expect(screen.queryByRole('navigation')).toBeNull();
    expect(fake.callsOf('listBays')).toHaveLength(0);
    fireEvent.change(screen.getByLabelText('Login'), { target: { value: 'Tom' } });
    fireEvent.change(screen.getByLabelText('PIN or password'), { target: { value: '0000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /not correct.*ask the station administrator/s,
    );
    expect(screen.queryByRole('navigation')).toBeNull();

    fireEvent.change(screen.getByLabelText('PIN or password'), { target: { value: '1357' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('navigation');
    expect(fake.callsOf('signIn').at(-1)).toEqual({ login: 'tom', secret: '1357' });
    expect(navNames()).toEqual(['Station', 'History']);
    expect(screen.getByTestId('operator').textContent).toContain('Tom Tech · Technician');

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(screen.queryByRole('navigation')).toBeNull());
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(fake.callsOf('signOut')).toHaveLength(1);
  });

  it('shows each role only its screens; an open bench shows all', async () => {
    const cases = [
      ['qa', ['Verify', 'History', 'Lots']],
      ['installer', ['History', 'Onboard']],
      ['admin', ['Station', 'Verify', 'History', 'Settings', 'Onboard', 'Lots']],
    ] as const;
    for (const [role, names] of cases) {
      const fake = fakeStation();
      render(
        <Shell
          api={fake.api}
          session={{ operator: { login: 'x', name: 'X', role }, signInRequired: true }}
        />,
      );
      expect(navNames()).toEqual(names);
      cleanup();
    }
    render(<Shell api={fakeStation().api} />);
    expect(navNames()).toEqual(['Station', 'Verify', 'History', 'Settings', 'Onboard', 'Lots']);
    expect(SCREEN_ROLES.settings).toEqual(['admin']);
    expect(screenVisible('settings', 'technician')).toBe(false);
  });

  it('asks the core who is signed in; an older core without the method is an open bench', async () => {
    const withAccounts = fakeStation({
      getOperator: async () => ({ operator: null, signInRequired: true }),
    });
    expect(await loadSession(withAccounts.api)).toEqual({ operator: null, signInRequired: true });
    expect(await loadSession(fakeStation().api)).toEqual({ operator: null, signInRequired: false });
  });
});
