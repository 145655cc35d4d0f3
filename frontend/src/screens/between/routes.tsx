import type { Route } from '../../routes';
import { OpinionScreen } from './OpinionScreen';
import { ReportsScreen } from './ReportsScreen';
import { MyTasksScreen, TaskScreen } from './TaskScreens';

/** Screens of the work between sessions: a form's page (the link in its notices), tasks, reports. */
export const betweenRoutes: Route[] = [
  { pattern: '/opinions/:id', render: ({ params }) => <OpinionScreen formId={Number(params.id)} /> },
  { pattern: '/tasks', render: () => <MyTasksScreen /> },
  { pattern: '/tasks/:id', render: ({ params }) => <TaskScreen taskId={Number(params.id)} /> },
  { pattern: '/reports', render: () => <ReportsScreen /> },
];
