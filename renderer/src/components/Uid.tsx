import { uidParts } from '../lib/format';

/**
 * A device UID that may wrap only at a sensible place: after its prefix (`IMEI-` | `352656100000001`),
 * never inside the digits a technician compares with the label.
 */
export function Uid({ uid }: { uid: string }) {
  const [head, tail] = uidParts(uid);
  return (
    <>
      {head}
      {tail ? (
        <>
          <wbr />
          {tail}
        </>
      ) : null}
    </>
  );
}
