import type { Route } from '../../routes';
import { OpinionScreen } from './OpinionScreen';

/** Screens of the work between sessions: a form's page (the link in its notices). */
export const betweenRoutes: Route[] = [
  { pattern: '/opinions/:id', render: ({ params }) => <OpinionScreen formId={Number(params.id)} /> },
];
