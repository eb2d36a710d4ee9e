import { LocalModeBanner } from "@/components/local-mode-banner";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <LocalModeBanner />
      <main className="flex min-h-screen items-center justify-center px-4 py-12">
        <div className="w-full max-w-sm">
          <p className="mb-6 text-center text-2xl font-semibold tracking-tight text-indigo-700">Tollgate</p>
          <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">{children}</div>
        </div>
      </main>
    </>
  );
}
