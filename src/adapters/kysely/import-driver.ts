/** Imports an optional peer dependency, or says which one to install. */
export async function importDriver<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(`The driver "${name}" is needed here: npm install ${name}`, {
      cause: error,
    });
  }
}
