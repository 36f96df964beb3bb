import { PageHeading } from '../components/page-heading';
import { hrefOf } from '../router';

export function NotFoundPage() {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        There is no page at this address. Go to the <a href={hrefOf({ page: 'live' })}>live meter</a>.
      </p>
    </>
  );
}
