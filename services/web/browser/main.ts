import type { Ritual } from './api.ts';
import { buy, generateRitual, hasSession, listListings, me, sell, signUp } from './api.ts';
import { startFaro, webConfig } from './telemetry.ts';

const faro = startFaro(webConfig());

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};
const formValues = (form: HTMLFormElement) =>
  Object.fromEntries(new FormData(form)) as Record<string, string>;
let current: Ritual | undefined;

function signedIn(displayName: string) {
  $('who').textContent = `Signed in as ${displayName}`;
  $('signup').hidden = true;
  $('generate').hidden = false;
  $('market').hidden = false;
  void refreshListings();
}

/** Runs a user action, showing failures in the status line and reporting them to Faro. */
async function act(label: string, action: () => Promise<void>) {
  status(`${label}…`);
  try {
    await action();
  } catch (error) {
    status(`${label} failed: ${(error as Error).message}`);
    faro.api.pushError(error instanceof Error ? error : new Error(String(error)));
  }
}

$<HTMLFormElement>('signup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const values = formValues(event.target as HTMLFormElement);
  void act('Signing up', async () => {
    const session = await signUp({
      email: values.email ?? '',
      password: values.password ?? '',
      displayName: values.displayName ?? '',
    });
    signedIn(session.user.displayName);
    status('Welcome.');
  });
});

$<HTMLFormElement>('generate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const { intention = '' } = formValues(event.target as HTMLFormElement);
  void act('Generating', async () => {
    current = await generateRitual(intention);
    $('ritual-text').textContent = current.text;
    $<HTMLAudioElement>('ritual-audio').src = current.audioUrl;
    // The transcript as one caption cue spanning the whole recording.
    const captions = `WEBVTT\n\n00:00:00.000 --> 99:00:00.000\n${current.text.replaceAll('-->', '→')}\n`;
    $<HTMLTrackElement>('ritual-captions').src = URL.createObjectURL(
      new Blob([captions], { type: 'text/vtt' }),
    );
    $('ritual').hidden = false;
    status('Your ritual is ready.');
  });
});

$('play').addEventListener('click', () => {
  void act('Playing', async () => {
    await $<HTMLAudioElement>('ritual-audio').play();
    status('Playing.');
  });
});

$<HTMLFormElement>('sell-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const ritual = current;
  if (!ritual) return;
  const { priceCents = '300' } = formValues(event.target as HTMLFormElement);
  void act('Listing', async () => {
    await sell(ritual, Number(priceCents));
    await refreshListings();
    status('Listed.');
  });
});

async function refreshListings() {
  const { listings } = await listListings();
  const list = $('listings');
  list.replaceChildren(
    ...listings.map((listing) => {
      const item = document.createElement('li');
      const title = document.createElement('span');
      title.textContent = `${listing.title} — ${(listing.priceCents / 100).toFixed(2)} ${listing.currency}`;
      const button = document.createElement('button');
      button.textContent = 'Buy (test card)';
      button.addEventListener('click', () =>
        act('Buying', async () => {
          // A stand-in checkout: the demo buys with the processor's test card.
          const result = await buy(listing.id, {
            cardNumber: '4242424242424242',
            expMonth: 12,
            expYear: 2099,
            cvc: '123',
          });
          status(`Purchase ${result.outcome}.`);
          await refreshListings();
        }),
      );
      item.append(title, button);
      return item;
    }),
  );
}

$('refresh').addEventListener('click', () => void act('Refreshing', refreshListings));

if (hasSession()) {
  me().then(
    ({ user }) => signedIn(user.displayName),
    () => sessionStorage.removeItem('session'),
  );
}
