// Package rooms owns meetings: their lifecycle, invitations, attendance and meeting roles, the
// speaking queue, votes and ballots, minutes and approvals, and the control state of meeting
// points (who is spotlighted or muted), which it sends to the media side as bus commands.
package rooms
