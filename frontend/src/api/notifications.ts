// Notifications (docs/API.md "Notifications"): the bell, each person's channels and calendar
// feed, and a meeting's delivery status for its organizers.
import { api } from './client';
import type { Items } from './types';

export interface NotificationItem {
  id: number;
  kind: string;
  meeting_id?: number;
  subject: string;
  body: string;
  link: string;
  at: string;
  read_at?: string;
}

export interface Inbox {
  items: NotificationItem[];
  unread: number;
}

export interface NotificationSettings {
  email: string;
  email_on: boolean;
  inapp_on: boolean;
  feed_active: boolean;
  /** Whether this installation sends mail at all. */
  email_available: boolean;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface Delivery {
  id: number;
  user_id: number;
  name: string;
  kind: string;
  channel: 'email' | 'inapp' | string;
  address?: string;
  status: DeliveryStatus;
  attempts: number;
  last_error?: string;
  next_at?: string;
  created_at: string;
  sent_at?: string;
}

export const notifications = {
  inbox: () => api.get<Inbox>('/api/me/notifications'),
  read: (ids: number[]) => api.post<Inbox>('/api/me/notifications/read', { ids }),
  settings: () => api.get<NotificationSettings>('/api/me/notification-settings'),
  saveSettings: (s: { email: string; email_on: boolean; inapp_on: boolean }) =>
    api.put<NotificationSettings>('/api/me/notification-settings', s),
  newFeed: () => api.post<{ path: string }>('/api/me/calendar-feed'),
  revokeFeed: () => api.del<void>('/api/me/calendar-feed'),
  deliveries: (meetingId: number) =>
    api.get<Items<Delivery>>(`/api/meetings/${meetingId}/notifications`).then((r) => r.items ?? []),
};
