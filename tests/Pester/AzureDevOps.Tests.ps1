# In Azure DevOps (TF_BUILD set) every error is also a ##vso[task.logissue type=error] line naming the
# file, and a failed transfer fails the step (non-zero exit code). Each case runs in a fresh pwsh.
BeforeAll {
    . $PSScriptRoot/Common.ps1
    function New-FailingDownloadScript([string] $ErrorAction = 'Stop') {
        $root = New-TestFolder 'ado-store'
        $dest = New-TestFolder 'ado-dest'
        @"
`$ErrorActionPreference = '$ErrorAction'
Import-Module '$ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$root'
Get-BronzeFile -Path 'system=api/missing-part-0001.csv' -Destination '$dest'
'after the download'
"@
    }
    $script:VsoError = '(?m)^##vso\[task\.logissue type=error\]'
}

Describe 'Azure DevOps logging commands' {
    It 'writes a task.logissue error naming the file and exits non-zero when TF_BUILD is set' {
        $run = Invoke-ChildPwsh (New-FailingDownloadScript) -Environment @{ TF_BUILD = 'True' }

        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match "$VsoError.*GetBronzeFileNotFound.*system=api/missing-part-0001\.csv"
        @([regex]::Matches($run.Output, $VsoError)).Count | Should -Be 1
        $run.Output | Should -Not -Match 'after the download'
    }

    It 'writes the line for a non-terminating error too, and the script goes on' {
        $run = Invoke-ChildPwsh (New-FailingDownloadScript -ErrorAction Continue) -Environment @{ TF_BUILD = 'True' }

        $run.Output | Should -Match "$VsoError.*system=api/missing-part-0001\.csv"
        $run.Output | Should -Match 'after the download'
    }

    It 'writes the line for a terminating error (no connection)' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
Get-BronzeFileList -Prefix raw/
"@
        $run = Invoke-ChildPwsh $script -Environment @{ TF_BUILD = 'True' }

        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match "${VsoError}GetBronzeFileListNotConnected: Not connected to bronze storage"
    }

    It 'writes no logging command without TF_BUILD, and still exits non-zero' {
        $run = Invoke-ChildPwsh (New-FailingDownloadScript) -Environment @{ TF_BUILD = '' }

        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Not -Match '##vso\['
        $run.Output | Should -Match 'missing-part-0001\.csv'
    }

    It 'keeps the line on one line and masks secrets in messages' {
        $script = @"
Import-Module '$ModuleManifest'
`$record = [System.Management.Automation.ErrorRecord]::new([Exception]::new("bad`nAccountKey=c2VjcmV0a2V5;x sig=abc%2Fdef&se=1 100%"), 'X', 'NotSpecified', 'a/b.csv')
`$line = [MedallionFoundry.Commands.BronzeCmdlet].Assembly.GetType('MedallionFoundry.Commands.AzureDevOpsLog').GetMethod('Describe', [Reflection.BindingFlags]'Static,NonPublic').Invoke(`$null, @(`$record))
`$line
"@
        $run = Invoke-ChildPwsh $script
        $run.Output | Should -Not -Match 'c2VjcmV0a2V5'
        $run.Output | Should -Not -Match 'abc%2Fdef'
        $run.Output | Should -Match 'AccountKey=REDACTED'
        $run.Output | Should -Match '\(file: a/b\.csv\)'
    }
}
