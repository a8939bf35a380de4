import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { useSubmit } from '../../components/useSubmit.js';
import { confirmPin } from './exportShared.js';

/** An export file's own refusal: its `problem` names the sentence to show. */
type ProblemError = Error & { readonly problem: string };

/**
 * Opening a sealed export made by this admin's key (notes or a conversation): the file chosen,
 * the PIN asked again, then the file opened in this browser. A refusal the file format names
 * (a `Problem` error: another key, altered, cut) is shown as `problemText` words it; anything else
 * is an error.
 */
export function useOpenSealedExport<T>(
  openFile: (file: File) => Promise<T>,
  Problem: abstract new (...args: never[]) => ProblemError,
  problemText: (problem: string) => string,
) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [opened, setOpened] = useState<T | null>(null);
  const form = useForm({ defaultValues: { pin: '' } });
  const pin = form.watch('pin');
  const open = useSubmit(
    async ({ pin }: { pin: string }) => {
      if (!file) return;
      setMessage(null);
      setOpened(null);
      const refused = await confirmPin(pin, t);
      form.setValue('pin', '');
      if (refused) return setMessage(refused);
      setOpened(await openFile(file));
    },
    {
      onError: (e) => {
        if (!(e instanceof Problem)) return e;
        setMessage(problemText(e.problem));
        return null;
      },
    },
  );
  const chooseFile = (chosen: File | null) => {
    setFile(chosen);
    setOpened(null);
    setMessage(null);
  };
  return { file, chooseFile, message, opened, form, pin, open, submit: form.handleSubmit(open.run) };
}

export type OpenSealedExport<T> = ReturnType<typeof useOpenSealedExport<T>>;
