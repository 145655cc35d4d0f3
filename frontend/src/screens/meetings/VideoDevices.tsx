// Opening the camera and microphone, and the picker that switches between devices (in the lobby
// with its preview, and in the room without leaving it).
import { useEffect, useState } from 'preact/hooks';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

/** The camera at 1280×720 when it can (three simulcast layers need it), else what it gives. */
export function videoConstraints(deviceId?: string): MediaTrackConstraints {
  return { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 20, max: 30 } };
}

export function audioConstraints(deviceId?: string): MediaTrackConstraints {
  return { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: true, noiseSuppression: true, autoGainControl: true };
}

/**
 * Opens the camera and microphone; a point without a camera (or that refuses it) still joins
 * with sound, and one with neither still watches and listens.
 */
export async function openMedia(): Promise<MediaStream> {
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) return new MediaStream();
  try {
    return await md.getUserMedia({ audio: audioConstraints(), video: videoConstraints() });
  } catch {
    try {
      return await md.getUserMedia({ audio: audioConstraints() });
    } catch {
      return new MediaStream();
    }
  }
}

/** Selects for the camera and the microphone; a choice opens that device and hands its track on. */
export function DevicePicker({ local, onTrack }: { local: MediaStream; onTrack: (t: MediaStreamTrack) => void }) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const current = (kind: 'audio' | 'video') => local.getTracks().find((x) => x.kind === kind)?.getSettings().deviceId ?? '';
  const [cam, setCam] = useState(current('video'));
  const [mic, setMic] = useState(current('audio'));
  useEffect(() => {
    navigator.mediaDevices?.enumerateDevices().then(setDevices, () => setDevices([]));
  }, [local]);

  async function choose(kind: 'audio' | 'video', deviceId: string) {
    try {
      const s = await navigator.mediaDevices.getUserMedia(kind === 'video' ? { video: videoConstraints(deviceId) } : { audio: audioConstraints(deviceId) });
      const track = s.getTracks()[0]!;
      (kind === 'video' ? setCam : setMic)(deviceId);
      onTrack(track);
    } catch {
      toast(t('video.deviceFailed'), 'error');
    }
  }

  const options = (kind: MediaDeviceKind, label: string) =>
    devices.filter((d) => d.kind === kind).map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `${label} ${i + 1}`}</option>);
  return (
    <div class="form-row video-devices" data-testid="device-picker">
      <select class="input" value={cam} onChange={(e) => choose('video', e.currentTarget.value)} aria-label={t('video.camera')}>
        {options('videoinput', t('video.camera'))}
      </select>
      <select class="input" value={mic} onChange={(e) => choose('audio', e.currentTarget.value)} aria-label={t('video.microphone')}>
        {options('audioinput', t('video.microphone'))}
      </select>
    </div>
  );
}
