import type { DeviceIdentity } from '../../../shared/domain';
import { deviceFamilyWords } from '../../../shared/device-families';

/**
 * Which family a device is (protocol v1 firmware or a Nordic nRF91 modem): a short badge on a tile
 * (`v1`, `nRF91`, full words in its tooltip; hidden from screen readers, as the tile's label names the
 * family), or the full words in a bay's details (`long`).
 */
export function FamilyBadge({ family, long = false }: { family: DeviceIdentity['family']; long?: boolean }) {
  const w = deviceFamilyWords(family);
  return (
    <span
      className={`family-badge family-badge--${family ?? 'as1'}`}
      title={w.title}
      data-testid="family-badge"
      data-family={family ?? 'as1'}
      // The short badge sits inside a tile whose label already names the family in full.
      aria-hidden={long ? undefined : true}
    >
      {long ? w.title : w.badge}
    </span>
  );
}
